/**
 * @module Kubernetes' view of a run, mapped to tminus's (pure): a pod's status into held (with the
 * scheduler's or the kubelet's reason, for `run explain`), running, or ended (exit code, and the
 * reason tminus reports: `preempted` on eviction or a `DisruptionTarget`, `oom_killed`, `timeout`,
 * `image_pull`); a Job's and a custom resource's conditions into ended or not.
 */
import type { JsonObject } from '@tminus/sdk/protocol';

import { isJsonObject } from '../../lib/json.js';
import type { ProgramExit, Waiting } from '../runner.js';

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

/** The statuses tminus reads, as the API returns them (only what is used). */
export interface PodView {
  readonly metadata?: {
    readonly name?: string;
    readonly labels?: Record<string, string>;
    readonly resourceVersion?: string;
  };
  readonly status?: {
    readonly phase?: string;
    readonly reason?: string;
    readonly message?: string;
    readonly conditions?: readonly Condition[];
    readonly containerStatuses?: readonly ContainerStatusView[];
  };
}

interface ContainerStatusView {
  readonly name: string;
  readonly state?: {
    readonly waiting?: { readonly reason?: string; readonly message?: string };
    readonly running?: object;
    readonly terminated?: {
      readonly exitCode: number;
      readonly signal?: number;
      readonly reason?: string;
      readonly message?: string;
    };
  };
}

export type PodPhase =
  | { readonly kind: 'held'; readonly waiting?: Waiting }
  | { readonly kind: 'running' }
  | { readonly kind: 'ended'; readonly exit: ProgramExit };

/** Waiting reasons of a container that do not pass by themselves: the run fails with them. */
const IMAGE_PULL = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
]);
const CONFIG_ERRORS = new Set([
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);
/** A pod taken away for someone else's sake: the run goes back on its queue (W&B's list, and more). */
const DISRUPTIONS = new Set([
  'EvictionByEvictionAPI',
  'PreemptionByScheduler',
  'PreemptionByKubeScheduler',
  'TerminationByKubelet',
  'DeletionByTaintManager',
  'DeletionByPodGC',
]);

function condition(pod: PodView, type: string): Condition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/** The run's own container: the first one (its logs are the run's). */
function mainContainer(pod: PodView, container: string): ContainerStatusView | undefined {
  return pod.status?.containerStatuses?.find((c) => c.name === container);
}

function podName(pod: PodView): string {
  return pod.metadata?.name ?? 'the pod';
}

function preemption(pod: PodView): ProgramExit | undefined {
  const disrupted = condition(pod, 'DisruptionTarget');
  const evicted = pod.status?.reason === 'Evicted' || pod.status?.reason === 'Preempting';
  if (!evicted && !(disrupted?.status === 'True' && DISRUPTIONS.has(disrupted.reason ?? '')))
    return undefined;
  const why = disrupted?.message ?? pod.status?.message ?? disrupted?.reason ?? pod.status?.reason;
  return {
    exitCode: 143,
    signal: 'SIGTERM',
    reason: 'preempted',
    message: `Kubernetes took pod ${podName(pod)} away (${disrupted?.reason ?? pod.status?.reason}): ${why}`,
  };
}

function terminatedExit(pod: PodView, container: string): ProgramExit {
  const terminated = mainContainer(pod, container)?.state?.terminated;
  if (terminated === undefined)
    return {
      exitCode: 1,
      signal: null,
      reason: 'pod_failed',
      message:
        `Pod ${podName(pod)} failed before its container ran: ${pod.status?.reason ?? ''} ${pod.status?.message ?? ''}`.trim(),
    };
  const base = { exitCode: terminated.exitCode, signal: null };
  // The runtime could not start the command (not found, not executable): as a shell says it, 127.
  if (terminated.reason === 'StartError' || terminated.reason === 'ContainerCannotRun')
    return {
      exitCode: 127,
      signal: null,
      reason: 'start_error',
      message: `Container ${container} could not start: ${terminated.message ?? terminated.reason}`,
    };
  if (terminated.reason === 'OOMKilled')
    return {
      ...base,
      reason: 'oom_killed',
      message: `Container ${container} used more memory than its limit; raise resources.limits.memory in resource_args.kubernetes`,
    };
  if (pod.status?.reason === 'DeadlineExceeded')
    return {
      ...base,
      reason: 'timeout',
      message: `Pod ${podName(pod)} ran past its activeDeadlineSeconds`,
    };
  return base;
}

/** Where a pod is: held (and why), running, or ended (and how). */
export function podPhase(pod: PodView, container: string): PodPhase {
  const taken = preemption(pod);
  if (taken !== undefined) return { kind: 'ended', exit: taken };
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed')
    return { kind: 'ended', exit: terminatedExit(pod, container) };
  const waiting = mainContainer(pod, container)?.state?.waiting;
  if (waiting?.reason !== undefined && IMAGE_PULL.has(waiting.reason))
    return {
      kind: 'ended',
      exit: {
        exitCode: 1,
        signal: null,
        reason: 'image_pull',
        message: `Kubernetes cannot pull the image of container ${container} (${waiting.reason}): ${waiting.message ?? 'no message'}. Check the image's name and the namespace's imagePullSecrets`,
      },
    };
  if (phase === 'Running') return { kind: 'running' };
  const unscheduled = condition(pod, 'PodScheduled');
  if (unscheduled?.status === 'False')
    return {
      kind: 'held',
      waiting: {
        reason: unscheduled.reason ?? 'Unschedulable',
        message: `The scheduler cannot place pod ${podName(pod)} yet: ${unscheduled.message ?? 'no node fits'}`,
      },
    };
  if (waiting?.reason !== undefined && CONFIG_ERRORS.has(waiting.reason))
    return {
      kind: 'held',
      waiting: {
        reason: waiting.reason,
        message: `Pod ${podName(pod)}: ${waiting.message ?? waiting.reason}`,
      },
    };
  return { kind: 'held' };
}

/** A Job's or a custom resource's end, from its conditions (W&B's precedence: finished > failed). */
export function objectEnded(
  object: JsonObject,
): { readonly ok: boolean; readonly message: string } | undefined {
  const status = isJsonObject(object.status) ? object.status : {};
  const conditions = (Array.isArray(status.conditions) ? status.conditions : []).filter(
    (c): c is JsonObject => isJsonObject(c) && c.status === 'True',
  );
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const types = (c: JsonObject) => text(c.type).toLowerCase();
  const done = conditions.find((c) => ['complete', 'succeeded', 'completed'].includes(types(c)));
  if (done !== undefined) return { ok: true, message: text(done.message) };
  const failed = conditions.find((c) =>
    ['failed', 'aborted', 'timeout', 'terminated'].includes(types(c)),
  );
  if (failed !== undefined)
    return {
      ok: false,
      message: `${text(failed.reason) || text(failed.type)}: ${text(failed.message)}`.trim(),
    };
  return undefined;
}
