/**
 * @module The lease sweeper: un-acked leases go back to pending, runs whose agent stopped
 * heartbeating crash (`agent_lost`) or are retried, and runs stuck in `starting` fail. Every change
 * is a conditional update, so running it on every replica at once is safe.
 */
import { newFencingToken } from './ids.js';
import { topics } from './notifier.js';
import type { ServiceContext } from './services/context.js';

export interface SweeperOptions {
  readonly intervalMs: number;
  readonly startTimeoutMs: number;
}

export async function sweepOnce(ctx: ServiceContext, startTimeoutMs: number): Promise<void> {
  const now = ctx.now();
  for (const queueId of await ctx.store.requeueExpiredLeases(now))
    ctx.notifier.notifyEach(topics.queue(queueId));
  for (const expired of await ctx.store.expireRunLeases(now, newFencingToken)) {
    ctx.log(`run ${expired.runId}: agent ${expired.agentId ?? '?'} lost; ${expired.outcome}`);
    ctx.notifier.notify(topics.run(expired.runId));
    ctx.notifier.notify(topics.logs(expired.runId));
    if (expired.queueItemId !== null) ctx.notifier.notify(topics.item(expired.queueItemId));
    if (expired.outcome === 'retried' && expired.queueId !== null)
      ctx.notifier.notifyEach(topics.queue(expired.queueId));
  }
  const message = `The run did not start within ${Math.round(startTimeoutMs / 1000)} s (run start timeout); it was cancelled`;
  for (const runId of await ctx.store.failStartTimeouts(
    now - startTimeoutMs,
    now,
    message,
    newFencingToken,
  )) {
    ctx.notifier.notify(topics.run(runId));
    ctx.notifier.notify(topics.logs(runId));
  }
}

export function startLeaseSweeper(
  ctx: ServiceContext,
  options: SweeperOptions,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= sweepOnce(ctx, options.startTimeoutMs)
      .catch((error: unknown) => ctx.log(`lease sweep failed: ${String(error)}`))
      .finally(() => (running = undefined));
  }, options.intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
