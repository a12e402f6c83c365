/**
 * @module Which run state may follow which. State names live in the protocol; the rules live here.
 * Reporting the current state again is always allowed (agents retry writes).
 */
import type { RunState } from '@tminus/sdk/protocol';

export const RUN_TRANSITIONS = {
  pending: ['starting', 'running', 'stopping', 'failed', 'crashed', 'stopped'],
  starting: ['running', 'stopping', 'finished', 'failed', 'crashed', 'stopped'],
  running: ['stopping', 'finished', 'failed', 'crashed', 'stopped', 'preempted'],
  stopping: ['stopped', 'finished', 'failed', 'crashed'],
  finished: [],
  failed: [],
  crashed: [],
  stopped: [],
  preempted: [],
} as const satisfies Record<RunState, readonly RunState[]>;

export function canTransition(from: RunState, to: RunState): boolean {
  return from === to || (RUN_TRANSITIONS[from] as readonly RunState[]).includes(to);
}

/** States from which a user's cancel moves a run to `stopping`. */
export const CANCELLABLE_STATES: readonly RunState[] = ['pending', 'starting', 'running'];
