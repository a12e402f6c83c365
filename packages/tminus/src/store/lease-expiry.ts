/**
 * @module What becomes of a run whose lease ran out (pure, shared by the store adapters): the words
 * and the outcome the lease sweep (`Store.expireRunLeases`) applies. Whether the run goes back on its
 * queue is core/retry-policy.ts's rule; this module turns it into what the adapter writes — the
 * outcome, the failure of a crashed run and the line in the run's log — so that every adapter writes
 * the same. The adapter only reads the candidates and applies each change conditionally.
 */
import type { RunFailure } from '@tminus/sdk/protocol';

import { mayRetry } from '../core/retry-policy.js';
import type { ExpiredRun } from './store.js';

/** A run the sweep found with its lease run out, as read (with its queue's `maxAttempts`). */
export interface ExpiringRun {
  readonly id: string;
  readonly agentId: string | null;
  readonly attempt: number;
  readonly state: string;
  readonly queueItemId: string | null;
  readonly queueId: string | null;
  readonly maxAttempts: number | null;
  readonly leaseExpiresAt: number;
}

export type LeaseExpiry =
  | {
      readonly outcome: 'retried';
      /** The item the run goes back on its queue as. */
      readonly queueItemId: string;
      readonly logLine: string;
    }
  | { readonly outcome: 'crashed'; readonly failure: RunFailure; readonly logLine: string };

export function leaseExpiry(run: ExpiringRun): LeaseExpiry {
  const expiredAt = new Date(run.leaseExpiresAt).toISOString();
  const lost = `Agent ${run.agentId ?? '?'} stopped heartbeating; its lease on attempt ${run.attempt} expired at ${expiredAt}`;
  if (mayRetry(run, run.maxAttempts) && run.queueItemId !== null) {
    return {
      outcome: 'retried',
      queueItemId: run.queueItemId,
      logLine: `[tminus] ${lost}; re-queued as attempt ${run.attempt + 1}`,
    };
  }
  return {
    outcome: 'crashed',
    failure: { stage: 'agent', reason: 'agent_lost', message: lost },
    logLine: `[tminus] ${lost}; run crashed (agent_lost)`,
  };
}

/**
 * The SQL condition (both dialects) of a starting run that counts against the start timeout: not one
 * whose engine holds it in its own queue this attempt (a Slurm job pending for its priority may wait
 * for hours, and its agent is alive and says why). Its lease still guards it against a lost agent.
 */
export const NOT_HELD_BY_ENGINE = '(waiting_attempt IS NULL OR waiting_attempt <> attempt)';

/** The failure of a run still `starting` past the start timeout (`Store.failStartTimeouts`). */
export function startTimeoutFailure(message: string): RunFailure {
  return { stage: 'agent', reason: 'start_timeout', message };
}

/** What the sweep reports of a run it changed (`Store.expireRunLeases`). */
export function expiredRun(run: ExpiringRun, outcome: LeaseExpiry['outcome']): ExpiredRun {
  return {
    runId: run.id,
    agentId: run.agentId,
    outcome,
    queueItemId: run.queueItemId,
    queueId: run.queueId,
  };
}
