/**
 * @module When a run that lost its program goes back on its queue as its next attempt (pure). One
 * rule, whoever noticed the loss: the server's lease sweeper (its agent stopped heartbeating) or the
 * agent (its engine took the program away: a Slurm job preempted, its node failed). The run came
 * from a queue, nobody is stopping it, and the queue allows another attempt (`maxAttempts`, default 1:
 * W&B retries none).
 */

export interface RetryFacts {
  readonly state: string;
  readonly queueItemId: string | null;
  readonly attempt: number;
}

export function mayRetry(run: RetryFacts, maxAttempts: number | null | undefined): boolean {
  return run.state !== 'stopping' && run.queueItemId !== null && run.attempt < (maxAttempts ?? 1);
}
