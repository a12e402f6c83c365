import { describe, expect, it } from 'vitest';

import { Notifier } from './notifier.js';

describe('Notifier', () => {
  it('does not lose a notification that arrives between the check and the wait', async () => {
    const notifier = new Notifier();
    let value: string | undefined;
    let checks = 0;
    const result = notifier.waitFor(['t'], 5_000, async () => {
      checks++;
      if (checks === 1) {
        // The change lands while the first check runs.
        value = 'ready';
        notifier.notify('t');
        return undefined;
      }
      return value;
    });
    expect(await result).toBe('ready');
  });

  it('returns undefined after the wait time when nothing happens', async () => {
    const notifier = new Notifier();
    expect(await notifier.waitFor(['t'], 20, async () => undefined)).toBeUndefined();
  });

  it('ends early when the signal aborts', async () => {
    const notifier = new Notifier();
    const controller = new AbortController();
    const started = Date.now();
    const waiting = notifier.waitFor(['t'], 10_000, async () => undefined, controller.signal);
    controller.abort();
    expect(await waiting).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
