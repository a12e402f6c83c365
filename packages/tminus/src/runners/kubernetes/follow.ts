/**
 * @module One attempt's object (a Job or a custom resource) as a `RunningProgram`: its pods heard
 * from the namespace's shared watch (`PodWatch`), held (the scheduler's reason → `onWaiting`),
 * running (its first container's log followed), ended (exit code and reason, once the log has
 * been read to its end); held with no reason from the pod, the Warning Events about it and its
 * object say why (held-reason.ts); a custom resource ends when its conditions say so. The attempt's Secret is
 * deleted at the end. Stopping deletes the pods with the grace period (SIGTERM, then SIGKILL after
 * it) and the object with foreground propagation; a pod that never ran is deleted at once.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { JsonObject } from '@tminus/sdk/protocol';

import type { ProgramEvents, ProgramExit, RunningProgram, Waiting } from '../runner.js';
import { heldReason, nextLookMs } from './held-reason.js';
import type { KubeApi } from './kube-api.js';
import { LogFollower, type LogPositions, type SplitSupport } from './log-follow.js';
import { KUBERNETES } from './names.js';
import type { PodEvent, PodWatch } from './pod-watch.js';
import { objectEnded, podPhase, type PodView } from './status.js';

export interface AttemptObjects {
  readonly namespace: string;
  /** The Job or custom object. */
  readonly object: { readonly apiVersion: string; readonly kind: string; readonly name: string };
  readonly secretName: string;
  /** The run's key in the watch (its run-id and attempt labels). */
  readonly key: string;
  /** The label selector of the attempt's pods. */
  readonly podSelector: string;
  /** The container whose output and exit are the run's. */
  readonly container: string;
  readonly custom: boolean;
}

export interface FollowDeps {
  readonly api: KubeApi;
  readonly watch: PodWatch;
  readonly split: SplitSupport;
  readonly log?: (line: string) => void;
  /** How often a custom resource's status is read besides pod events. @default 10000 */
  readonly resyncMs?: number;
}

/** The ProgramRef id: `<namespace>/<name>` for a Job; `<namespace>/<name>/<apiVersion>/<kind>` else. */
export function refId(objects: Pick<AttemptObjects, 'namespace' | 'object' | 'custom'>): string {
  const { namespace, object } = objects;
  return objects.custom
    ? `${namespace}/${object.name}/${object.apiVersion}/${object.kind}`
    : `${namespace}/${object.name}`;
}

function header(objects: AttemptObjects): KubernetesObject {
  return {
    apiVersion: objects.object.apiVersion,
    kind: objects.object.kind,
    metadata: { name: objects.object.name, namespace: objects.namespace },
  };
}

export function followAttempt(
  deps: FollowDeps,
  objects: AttemptObjects,
  events: ProgramEvents,
  positions: { readonly start: LogPositions; readonly file: string | undefined },
): RunningProgram {
  const { api } = deps;
  let markRunning: () => void = () => undefined;
  const running = new Promise<void>((resolve) => (markRunning = resolve));
  let markExited: (exit: ProgramExit) => void = () => undefined;
  const exited = new Promise<ProgramExit>((resolve) => (markExited = resolve));

  let phase: 'held' | 'running' | 'ending' | 'ended' = 'held';
  let waiting: Waiting | undefined;
  let mainPod: string | undefined;
  let podOver = false;
  let stopping = false;
  let logs: LogFollower | undefined;
  let logsDone: Promise<void> = Promise.resolve();
  let resync: NodeJS.Timeout | undefined;

  const end = async (exit: ProgramExit, deleteObject: boolean) => {
    if (phase === 'ending' || phase === 'ended') return;
    phase = 'ending';
    markRunning(); // it ran, or never will: nothing waits on it any more
    clearInterval(resync);
    clearTimeout(lookTimer);
    if (deleteObject)
      await api.delete(header(objects), { propagation: 'Foreground' }).catch(() => undefined);
    // The log ends once the container has; a pod that never ran has none.
    const cap = new Promise((resolve) => setTimeout(resolve, 15_000).unref());
    await Promise.race([logsDone, cap]);
    logs?.stop();
    stopWatching();
    await api
      .delete({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: objects.secretName, namespace: objects.namespace },
      })
      .catch((error: Error) =>
        deps.log?.(`Kubernetes: cannot delete Secret ${objects.secretName}: ${error.message}`),
      );
    phase = 'ended';
    markExited(exit);
  };

  const startLogs = (pod: string) => {
    if (logs !== undefined) return;
    logs = new LogFollower(
      api,
      { namespace: objects.namespace, pod, container: objects.container },
      events.onLine,
      deps.split,
      positions.start,
      positions.file,
    );
    logsDone = logs
      .follow(() => podOver || phase === 'ending' || phase === 'ended')
      .catch((error: Error) => {
        events.onLine('system', `tminus: cannot read the output of pod ${pod}: ${error.message}`);
      });
  };

  const checkCustom = async () => {
    if (!objects.custom || phase === 'ending' || phase === 'ended') return;
    const object = await api
      .read<KubernetesObject & JsonObject>(
        objects.object.apiVersion,
        objects.object.kind,
        objects.namespace,
        objects.object.name,
      )
      .catch(() => null);
    if (object === null) return;
    if (object === undefined) return void end(gone(), false);
    const ended = objectEnded(object);
    if (ended !== undefined)
      void end(
        ended.ok
          ? { exitCode: 0, signal: null }
          : {
              exitCode: 1,
              signal: null,
              reason: 'failed',
              message: `${objects.object.kind} ${objects.object.name} failed: ${ended.message}`,
            },
        false,
      );
  };

  const tellWaiting = (w: Waiting) => {
    if (w.reason === waiting?.reason && w.message === waiting.message) return;
    waiting = w;
    events.onWaiting?.(w);
  };

  // While held and the pod says nothing (or there is no pod), the Warning Events say why.
  let podSaysWhy = false;
  let looks = 0;
  let lookTimer: NodeJS.Timeout | undefined;
  const lookForWhy = async () => {
    if (phase !== 'held') return;
    if (!podSaysWhy) {
      const about = [objects.object.name, ...(mainPod === undefined ? [] : [mainPod])];
      const found = await Promise.all(
        about.map((name) => api.warnings(objects.namespace, name).catch(() => [])),
      );
      const why = heldReason(found.flat());
      if (why !== undefined && phase === 'held') tellWaiting(why);
    }
    if (phase === 'held') lookTimer = setTimeout(() => void lookForWhy(), nextLookMs(++looks));
  };
  lookTimer = setTimeout(() => void lookForWhy(), nextLookMs(looks));

  const gone = (): ProgramExit => ({
    exitCode: 143,
    signal: 'SIGTERM',
    reason: 'cancelled',
    message: `${objects.object.kind} ${objects.namespace}/${objects.object.name} was deleted outside tminus`,
  });

  const onPod = (type: PodEvent, pod: PodView) => {
    if (phase === 'ending' || phase === 'ended') return;
    const name = pod.metadata?.name;
    if (name === undefined) return;
    mainPod ??= name;
    if (name !== mainPod) return;
    const now = podPhase(pod, objects.container);
    if (type === 'DELETED' && now.kind !== 'ended') {
      podOver = true;
      // Deleted before it ended: by tminus's stop (the kill is its exit), or by someone else.
      return void end(stopping ? { exitCode: 137, signal: 'SIGKILL' } : gone(), false);
    }
    if (now.kind === 'held') {
      podSaysWhy = now.waiting !== undefined;
      if (now.waiting !== undefined) tellWaiting(now.waiting);
      return;
    }
    if (now.kind === 'running') {
      if (phase === 'held') {
        phase = 'running';
        clearTimeout(lookTimer);
        markRunning();
      }
      return startLogs(name);
    }
    // Ended: read what the container wrote, unless it never ran.
    const ran = pod.status?.containerStatuses?.some(
      (c) => c.name === objects.container && c.state?.waiting === undefined,
    );
    if (ran === true && now.exit.reason !== 'preempted') podOver = true;
    if (ran === true) startLogs(name);
    if (now.exit.reason === 'start_error' && now.exit.message !== undefined)
      events.onLine('system', `tminus: ${now.exit.message}`);
    if (objects.custom && now.exit.reason !== 'preempted') return void checkCustom();
    void end(now.exit, now.exit.reason === 'image_pull');
  };

  const stopWatching = deps.watch.follow(objects.namespace, objects.key, { onPod });
  if (objects.custom) resync = setInterval(() => void checkCustom(), deps.resyncMs ?? 10_000);

  return {
    ref: { resource: KUBERNETES, id: refId(objects) },
    running,
    exited,
    async stop(graceMs) {
      if (phase === 'ending' || phase === 'ended') return exited;
      stopping = true;
      const gracePeriodSeconds = phase === 'held' ? 0 : Math.max(1, Math.ceil(graceMs / 1000));
      // The pods get SIGTERM, then SIGKILL after the grace period; the object goes once they have.
      const pods = await api
        .listPods(objects.namespace, objects.podSelector)
        .catch(() => ({ pods: [] }));
      await Promise.all(
        pods.pods.map((pod) =>
          api
            .delete(
              {
                apiVersion: 'v1',
                kind: 'Pod',
                metadata: { name: pod.metadata?.name ?? '', namespace: objects.namespace },
              },
              { gracePeriodSeconds },
            )
            .catch(() => undefined),
        ),
      );
      await api.delete(header(objects), { propagation: 'Foreground' }).catch(() => undefined);
      if (pods.pods.length === 0)
        void end({ exitCode: 143, signal: 'SIGTERM', reason: 'cancelled' }, false);
      return exited;
    },
  };
}
