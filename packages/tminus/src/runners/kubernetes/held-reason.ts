/**
 * @module Why a held attempt has no running pod when the pod itself does not say: Kubernetes
 * writes it only as a Warning Event — on the Job when its pods cannot even be created (a
 * ResourceQuota, a LimitRange, an admission webhook: `FailedCreate`), on the pod while a volume
 * cannot be mounted (`FailedMount`) and the like. Those Events are read for a held attempt only,
 * a few seconds after it is held and then less and less often, never once it runs: the namespace's
 * pod watch stays the one connection per namespace (decision 0042).
 */
import type { Waiting } from '../runner.js';

/** An Event as the API returns it (only what is read). */
export interface EventView {
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly count?: number;
  readonly lastTimestamp?: string | null;
  readonly eventTime?: string | null;
  readonly metadata?: { readonly creationTimestamp?: string | Date };
  readonly involvedObject?: { readonly kind?: string; readonly name?: string };
}

/** How long after being held, then between looks: 2 s, 5 s, 10 s, then every 30 s. */
export const LOOK_AFTER_MS: readonly number[] = [2_000, 5_000, 10_000, 30_000];

export function nextLookMs(looksSoFar: number): number {
  return LOOK_AFTER_MS[Math.min(looksSoFar, LOOK_AFTER_MS.length - 1)] ?? 30_000;
}

function when(event: EventView): number {
  const stamp = event.lastTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp;
  return stamp === undefined || stamp === null ? 0 : new Date(stamp).getTime();
}

/** The newest Warning among `events`, as what `run explain` shows; undefined when there is none. */
export function heldReason(events: readonly EventView[]): Waiting | undefined {
  const newest = events
    .filter((e) => e.type === 'Warning' && e.reason !== undefined)
    .sort((a, b) => when(b) - when(a))[0];
  if (newest === undefined) return undefined;
  const what = `${newest.involvedObject?.kind ?? 'object'} ${newest.involvedObject?.name ?? ''}`;
  const times = (newest.count ?? 1) > 1 ? ` (${newest.count} times)` : '';
  return {
    reason: newest.reason ?? 'Warning',
    message: `Kubernetes cannot go on with ${what.trim()}${times}: ${newest.message ?? newest.reason}`,
  };
}
