/**
 * @module The Kubernetes runner behind the runner seam: one attempt is one Job (or the custom
 * resource `resource_args.kubernetes` gives) and a Secret with its run token, credentials and config
 * file, in the namespace of `resource_args.kubernetes`, else the agent's, else the kubeconfig
 * context's, else `default`. Its pods are followed through one watch per namespace shared by all
 * runs; a restarted agent re-attaches to the object its journal names (found again by its labels).
 * With a code volume (a PersistentVolumeClaim the agent and the pods both mount, W&B's code PVC), a
 * run's source and config file are copied there and the program runs in its source.
 */
import { cp, mkdir, readFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';

import type { KubernetesObject } from '@kubernetes/client-node';
import type { JsonObject } from '@tminus/sdk/protocol';

import {
  kubernetesArgsProblem,
  requestedNamespace,
  DNS_LABEL,
} from '../../core/resource-args/kubernetes.js';
import { isJsonObject } from '../../lib/json.js';
import { PrepareError } from '../prepare-error.js';
import type { LaunchPlan, ProgramEvents, ProgramRef, Runner, RunningProgram } from '../runner.js';
import { followAttempt, type AttemptObjects, type FollowDeps } from './follow.js';
import { KubeApi, type ClusterChoice } from './kube-api.js';
import { readPositions, type SplitSupport } from './log-follow.js';
import {
  configPathInPod,
  podTemplates,
  renderRunObjects,
  runLabels,
  type CodeVolume,
} from './manifest.js';
import { KUBERNETES, LABEL, MANAGED_BY, secretName, secretNameOf, selector } from './names.js';
import { PodWatch } from './pod-watch.js';

export { KUBERNETES } from './names.js';

export interface KubernetesRunnerOptions {
  readonly cluster?: ClusterChoice;
  /** The agent's namespace (its config), used when the launch names none. */
  readonly namespace?: string;
  /** The agent's name on its objects' `tminus/agent` label. */
  readonly agent: string;
  /** W&B's code PVC: where runs' sources go so that pods see them. */
  readonly codeVolume?: CodeVolume;
  /** Where log positions are kept for a restarted agent (the agent's work dir). */
  readonly stateDir: string;
  readonly log?: (line: string) => void;
  /** How soon a failed watch is tried again. @default 1000 */
  readonly retryMs?: number;
}

export interface KubernetesRunner extends Runner {
  /** The shared pod watch (the bench counts its connections). */
  readonly watch: PodWatch;
  readonly api: KubeApi;
  /** Ends the watches (the agent stops). */
  close(): void;
}

/** The variables that go into the Secret, not into the manifest. */
const SECRET_VARIABLES = ['TMINUS_RUN_TOKEN', 'WANDB_API_KEY'];

function inside(dir: string, path: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep);
}

/** The run's key in the pod watch, from a pod's labels. */
function keyOf(labels: Record<string, string> | undefined): string | undefined {
  const run = labels?.[LABEL.runId];
  const attempt = labels?.[LABEL.attempt];
  return run === undefined || attempt === undefined ? undefined : `${run}/${attempt}`;
}

/** `<namespace>/<name>[/<group>/<version>/<kind>]` back into its parts (validated). */
function parseRef(
  id: string,
): { namespace: string; name: string; apiVersion: string; kind: string } | undefined {
  const parts = id.split('/');
  const [namespace, name] = parts;
  if (
    namespace === undefined ||
    name === undefined ||
    !DNS_LABEL.test(namespace) ||
    !/^[a-z0-9-]{1,63}$/.test(name)
  )
    return undefined;
  if (parts.length === 2) return { namespace, name, apiVersion: 'batch/v1', kind: 'Job' };
  const [, , group, version, kind] = parts;
  if (parts.length !== 5 || group === undefined || version === undefined || kind === undefined)
    return undefined;
  if (
    !/^[a-z0-9.-]+$/.test(group) ||
    !/^v[0-9a-z]+$/.test(version) ||
    !/^[A-Z][A-Za-z0-9]*$/.test(kind)
  )
    return undefined;
  return { namespace, name, apiVersion: `${group}/${version}`, kind };
}

/** The run's container: the first of the first pod template (its output and exit are the run's). */
function firstContainer(object: JsonObject): string {
  const containers = (podTemplates(object.spec ?? null)[0]?.spec as JsonObject | undefined)
    ?.containers;
  return Array.isArray(containers) && isJsonObject(containers[0])
    ? String(containers[0].name)
    : 'launch0';
}

/** The variables of the program: the run's own (not the agent's environment), W&B's credentials if passed. */
function podVariables(plan: LaunchPlan, configPath: string) {
  const all: Record<string, string> = { ...plan.runEnv, TMINUS_CONFIG_PATH: configPath };
  if (plan.inherit.wandbCredentials)
    for (const name of ['WANDB_API_KEY', 'WANDB_BASE_URL']) {
      const value = plan.inherit.baseEnv[name];
      if (value !== undefined) all[name] ??= value;
    }
  const env: Record<string, string> = {};
  const secretEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(all))
    (SECRET_VARIABLES.includes(name) ? secretEnv : env)[name] = value;
  return { env, secretEnv };
}

export async function kubernetesRunner(
  options: KubernetesRunnerOptions,
): Promise<KubernetesRunner> {
  const api = await KubeApi.connect(options.cluster);
  const log = options.log ?? (() => undefined);
  const watch = new PodWatch(
    api,
    // Every tminus pod of the namespace, not only this agent's label: a restarted agent (in a pod,
    // a new host name) re-attaches to runs its predecessor labelled. Only followed runs are kept.
    selector({ [LABEL.managedBy]: MANAGED_BY }),
    (pod) => keyOf(pod.metadata?.labels),
    {
      retryMs: options.retryMs ?? 1000,
      log,
    },
  );
  const split: SplitSupport = { split: undefined };
  const deps: FollowDeps = { api, watch, split, log };
  const codeRoot =
    options.codeVolume === undefined ? undefined : join(options.codeVolume.mountPath, 'runs');
  const positionsFile = (namespace: string, name: string) =>
    join(options.stateDir, `kubernetes.${namespace}.${name}.log.json`);
  await mkdir(options.stateDir, { recursive: true, mode: 0o700 });

  const follow = async (objects: AttemptObjects, events: ProgramEvents, seed: boolean) => {
    const file = positionsFile(objects.namespace, objects.object.name);
    const program = followAttempt(deps, objects, events, {
      start: await readPositions(file),
      file,
    });
    if (seed) {
      // A re-attached run's pods may not change again: the watch is told what they are now.
      const { pods } = await api.listPods(objects.namespace, objects.podSelector);
      for (const pod of pods) watch.replay(objects.namespace, objects.key, pod);
    }
    return program;
  };

  /** Objects left by earlier attempts of this run (their agents lost it): deleted, said in the log. */
  const deleteEarlierAttempts = async (
    plan: LaunchPlan,
    namespace: string,
    apiVersion: string,
    kind: string,
    events: ProgramEvents,
  ) => {
    if (plan.attempt === 1) return;
    const run =
      runLabels({
        runId: plan.runId,
        attempt: plan.attempt,
        queue: undefined,
        agent: options.agent,
      })[LABEL.runId] ?? '';
    const { items } = await api
      .list(
        apiVersion,
        kind,
        namespace,
        selector({ [LABEL.managedBy]: MANAGED_BY, [LABEL.runId]: run }),
      )
      .catch(() => ({ items: [] as KubernetesObject[] }));
    for (const item of items) {
      if (item.metadata?.labels?.[LABEL.attempt] === String(plan.attempt)) continue;
      events.onLine(
        'system',
        `tminus: deleting ${kind} ${item.metadata?.name} of an earlier attempt`,
      );
      await api.delete(item, { propagation: 'Foreground' }).catch(() => undefined);
    }
  };

  return {
    resource: KUBERNETES,
    watch,
    api,
    close: () => watch.close(),

    async prepare(plan) {
      const problem = kubernetesArgsProblem(plan.resourceArgs);
      if (problem !== undefined) throw new PrepareError(problem, 'invalid_resource_args');
      if (plan.user !== undefined)
        throw new PrepareError(
          `The Kubernetes runner does not run programs as a Unix user of the agent's machine (--run-as ${plan.user.name}); set the pod's securityContext.runAsUser in resource_args.kubernetes`,
          'run_as_unsupported',
        );
      const named = podTemplates(plan.resourceArgs.spec ?? null).some((t) =>
        ((t.spec as JsonObject).containers as unknown[]).some(
          (c) => isJsonObject(c) && typeof c.image === 'string',
        ),
      );
      if (plan.image === undefined && !named)
        throw new PrepareError(
          `The run ${plan.sourceLabel} has no image, and the Kubernetes runner runs images: launch an image job (or one built into an image), or name the image in resource_args.kubernetes`,
          'image_required',
        );
      if (codeRoot === undefined || inside(codeRoot, plan.dir)) return plan;
      // The pods see the code volume, not the agent's work dir: the run goes onto the volume.
      const dir = join(codeRoot, basename(plan.dir));
      await mkdir(codeRoot, { recursive: true, mode: 0o755 });
      await cp(plan.dir, dir, { recursive: true, preserveTimestamps: true });
      const moved = (path: string) => join(dir, relative(plan.dir, path));
      return {
        ...plan,
        dir,
        configPath: moved(plan.configPath),
        sourceDir: plan.sourceDir === undefined ? undefined : moved(plan.sourceDir),
      };
    },

    async start(plan, events) {
      const problem = kubernetesArgsProblem(plan.resourceArgs);
      if (problem !== undefined) throw new PrepareError(problem, 'invalid_resource_args');
      const namespace =
        requestedNamespace(plan.resourceArgs) ??
        options.namespace ??
        api.contextNamespace ??
        'default';
      const code =
        options.codeVolume === undefined
          ? undefined
          : { volume: options.codeVolume, dir: plan.dir, workDir: plan.sourceDir ?? plan.dir };
      const configPath = configPathInPod({ code }, plan.configPath);
      const input = {
        runId: plan.runId,
        attempt: plan.attempt,
        namespace,
        image: plan.image,
        argv: plan.argv,
        ...podVariables(plan, configPath),
        configJson: await readFile(plan.configPath, 'utf8'),
        ...(code === undefined ? {} : { code }),
        queue: plan.runEnv.TMINUS_QUEUE,
        agent: options.agent,
        args: plan.resourceArgs,
      };
      const rendered = renderRunObjects(input);
      const object = rendered.object as KubernetesObject & JsonObject;
      const apiVersion = String(object.apiVersion);
      const kind = String(object.kind);
      await deleteEarlierAttempts(plan, namespace, apiVersion, kind, events);
      const secret = rendered.secret as KubernetesObject;
      const labels = rendered.labels;
      const key = `${labels[LABEL.runId]}/${labels[LABEL.attempt]}`;
      // Held in the watch before the object exists: its first pods may be heard of before `follow`
      // is reached below, and the watch keeps only the pods of runs someone follows.
      const hold = watch.follow(namespace, key, { onPod: () => undefined });
      try {
        let created: KubernetesObject;
        try {
          await api.create(secret);
          created = await api.create(object);
        } catch (error) {
          await api.delete(secret).catch(() => undefined);
          throw new PrepareError(
            `Kubernetes (${api.server}) refused the ${kind} in namespace ${namespace}: ${(error as Error).message}`,
            'kubernetes_refused',
          );
        }
        const name = created.metadata?.name ?? '';
        log(`run ${plan.runId}: ${kind} ${namespace}/${name}`);
        // The Secret goes with the object, even when no agent is left to delete it.
        await api
          .patch({
            ...secret,
            metadata: {
              ...secret.metadata,
              ownerReferences: [
                {
                  apiVersion,
                  kind,
                  name,
                  uid: created.metadata?.uid ?? '',
                  blockOwnerDeletion: false,
                },
              ],
            },
          })
          .catch((error: Error) =>
            log(`run ${plan.runId}: cannot tie its Secret to the ${kind}: ${error.message}`),
          );
        // Awaited: the hold goes only once the run's own follower is in the watch.
        return await follow(
          {
            namespace,
            object: { apiVersion, kind, name },
            secretName: secretName(plan.runId, plan.attempt),
            key,
            podSelector: selector({
              [LABEL.runId]: labels[LABEL.runId] ?? '',
              [LABEL.attempt]: labels[LABEL.attempt] ?? '',
            }),
            container: firstContainer(object),
            custom: kind !== 'Job' || apiVersion !== 'batch/v1',
          },
          events,
          false,
        );
      } finally {
        hold();
      }
    },

    async reattach(ref: ProgramRef, events): Promise<RunningProgram | undefined> {
      const parsed = parseRef(ref.id);
      if (parsed === undefined) return undefined;
      const object = await api.read<KubernetesObject & JsonObject>(
        parsed.apiVersion,
        parsed.kind,
        parsed.namespace,
        parsed.name,
      );
      const labels = object?.metadata?.labels;
      // Not an object tminus made (or gone already): nothing to follow.
      if (object === undefined || labels?.[LABEL.managedBy] !== MANAGED_BY) return undefined;
      const run = labels[LABEL.runId];
      const attempt = labels[LABEL.attempt];
      if (run === undefined || attempt === undefined) return undefined;
      return follow(
        {
          namespace: parsed.namespace,
          object: { apiVersion: parsed.apiVersion, kind: parsed.kind, name: parsed.name },
          secretName: secretNameOf(parsed.name),
          key: `${run}/${attempt}`,
          podSelector: selector({ [LABEL.runId]: run, [LABEL.attempt]: attempt }),
          container: firstContainer(object),
          custom: parsed.kind !== 'Job' || parsed.apiVersion !== 'batch/v1',
        },
        events,
        true,
      );
    },
  };
}
