/**
 * @module Why a queued run waits, in one sentence (pure): the rule behind `explainQueueItem` and the
 * queues board, so both say the same words. The facts (its position, the live agents polling its
 * queue and how many are at capacity, its run) are gathered by the caller.
 */
import type { PendingExplanation, QueueItem, Run } from '@tminus/sdk/protocol';

export interface PendingFacts {
  readonly item: Pick<QueueItem, 'state' | 'queue' | 'entity' | 'runId'>;
  /** 1 = next to be claimed; null when not pending. */
  readonly position: number | null;
  /** Live agents (heard from in the last `windowSeconds`) polling its queue. */
  readonly agentsPolling: number;
  readonly agentsAtCapacity: number;
  readonly windowSeconds: number;
  /** Its run, once it has one and is no longer pending. */
  readonly run: Run | undefined;
}

export function explainPending(facts: PendingFacts): PendingExplanation {
  const { item, position, run, windowSeconds } = facts;
  const agents = facts.agentsPolling;
  const atCapacity = facts.agentsAtCapacity;
  // Claimed, but its run's engine (a Slurm queue) has not started it: the engine's reason.
  const waiting = item.state === 'claimed' ? (run?.waiting ?? undefined) : undefined;
  // A run that failed says where and why (a failed build: the build log's last lines).
  const failure =
    run?.failure == null ? '' : `; it failed at stage ${run.failure.stage}: ${run.failure.message}`;
  let message: string;
  if (run !== undefined && waiting !== undefined)
    message = `Not pending: it is run ${run.id} (${run.state}), handed to ${run.spec.resource ?? 'its runner'}, which holds it back (${waiting.reason}). ${waiting.message}`;
  else if (item.state !== 'pending')
    message = item.runId
      ? `Not pending: it is run ${item.runId} (${run?.state ?? item.state})${failure === '' ? '.' : failure}`
      : `Not pending: it is ${item.state}.`;
  else if (agents === 0)
    message = `Position ${position} in queue ${item.queue}, but no agent has polled this queue in the last ${windowSeconds} s. Start one: tminus agent -q ${item.queue} -e ${item.entity}`;
  else if (atCapacity === agents)
    message = `Position ${position} in queue ${item.queue}; all ${agents} agent(s) polling it are running their max_jobs. It starts when one finishes a run (or raise --max-jobs).`;
  else
    message = `Position ${position} in queue ${item.queue}; ${agents - atCapacity} of ${agents} agent(s) have free capacity, so it should start as soon as the ${position === 1 ? 'next claim' : `${(position ?? 1) - 1} item(s) ahead of it are claimed`}.`;
  return {
    state: item.state,
    position,
    queue: item.queue,
    agentsPolling: agents,
    agentsAtCapacity: atCapacity,
    windowSeconds,
    message,
    ...(waiting === undefined ? {} : { waiting }),
  };
}
