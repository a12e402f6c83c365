import { describe, expect, it } from 'vitest';

import { Notifier, topics } from './notifier.js';

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

describe('Notifier: watchers of lists', () => {
  it('a change of one run, queue or item wakes the watchers of runs or of queues, here and from replicas', () => {
    const notifier = new Notifier();
    const heard: string[] = [];
    for (const topic of [topics.anyRun, topics.anyQueue, topics.anyAgent])
      notifier.watch(topic, () => heard.push(topic));
    notifier.notify(topics.run('r1'));
    notifier.notifyEach(topics.queue('q1'));
    notifier.notify(topics.item('i1'));
    notifier.deliver(`${topics.queue('q2')} 3 7`);
    notifier.notify(topics.logs('r1'));
    notifier.notify(topics.agent('a1'));
    expect(heard).toEqual([topics.anyRun, topics.anyQueue, topics.anyQueue, topics.anyQueue]);
  });
});

describe('Notifier: one-taker wakes (queue items)', () => {
  /** A claimer on `topics`: its check takes an item from the first topic's pile that has one. */
  function claimer(
    notifier: Notifier,
    piles: Map<string, string[]>,
    topics: string[],
    signal?: AbortSignal,
  ) {
    let checks = 0;
    const result = notifier.waitFor(
      topics,
      5_000,
      async () => {
        checks++;
        for (const t of topics) {
          const item = piles.get(t)?.shift();
          if (item !== undefined) return { topic: t, item };
        }
        return undefined;
      },
      signal,
      (v) => v.topic,
    );
    return { result, checks: () => checks };
  }
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

  it('an item wakes one waiter, not all of them', async () => {
    const notifier = new Notifier();
    const piles = new Map([['q', [] as string[]]]);
    const waiters = Array.from({ length: 50 }, () => claimer(notifier, piles, ['q']));
    await tick();
    piles.get('q')!.push('a');
    notifier.notifyEach('q');
    await tick();
    // One woken waiter checked again (2 checks); the other 49 checked once, when they subscribed.
    expect(
      waiters
        .map((w) => w.checks())
        .sort((a, b) => b - a)
        .slice(0, 2),
    ).toEqual([2, 1]);
    expect(waiters.reduce((n, w) => n + w.checks(), 0)).toBe(51);
    piles.get('q')!.push('b', 'c');
    notifier.notifyEach('q', 2);
    await tick();
    expect(waiters.reduce((n, w) => n + w.checks(), 0)).toBe(53);
    const taken = (
      await Promise.all(waiters.map((w) => Promise.race([w.result, tick().then(() => 'waiting')])))
    ).filter((r) => r !== 'waiting');
    expect(taken.map((r) => (r as { item: string }).item).sort()).toEqual(['a', 'b', 'c']);
  });

  it('a waiter that took something else passes its wake on: no item is left while another waits', async () => {
    const notifier = new Notifier();
    const piles = new Map([
      ['q1', [] as string[]],
      ['q2', [] as string[]],
    ]);
    const both = claimer(notifier, piles, ['q1', 'q2']); // prefers q1
    await tick();
    const onlyQ2 = claimer(notifier, piles, ['q2']);
    await tick();
    // Both arrive while `both` is the preferred waiter for each wake…
    piles.get('q1')!.push('x');
    piles.get('q2')!.push('y');
    notifier.notifyEach('q2');
    notifier.notifyEach('q1');
    // …it takes x from q1 and hands q2's wake to the other waiter, which takes y.
    expect(await both.result).toEqual({ topic: 'q1', item: 'x' });
    expect(await onlyQ2.result).toEqual({ topic: 'q2', item: 'y' });
  });

  it('a waiter whose client went away passes its wake on', async () => {
    const notifier = new Notifier();
    const piles = new Map([['q', [] as string[]]]);
    const controller = new AbortController();
    const leaving = claimer(notifier, piles, ['q'], controller.signal);
    await tick();
    const staying = claimer(notifier, piles, ['q']);
    await tick();
    piles.get('q')!.push('z');
    // The wake goes to the waiter that has waited longest… whose client leaves before it checks.
    notifier.notifyEach('q');
    controller.abort();
    expect(await leaving.result).toBeUndefined();
    expect(await staying.result).toEqual({ topic: 'q', item: 'z' });
  });

  it('replicas: notify publishes the topic, notifyEach a message that other replicas deliver as that many wakes', async () => {
    const published: string[] = [];
    const here = new Notifier({ publish: (m) => published.push(m) });
    here.notify('run:r1');
    here.notifyEach('q', 2);
    here.notifyEach('q', 2);
    expect(published[0]).toBe('run:r1');
    expect(published.slice(1).map((m) => m.split(' ').slice(0, 2).join(' '))).toEqual([
      'q 2',
      'q 2',
    ]);
    expect(new Set(published).size).toBe(3); // distinct, so PostgreSQL does not fold them into one

    const there = new Notifier();
    const waiters = [0, 1, 2].map(() => claimer(there, new Map([['q', [] as string[]]]), ['q']));
    await tick();
    there.deliver(published[1]!); // "q 2 …": two of the three wake
    await tick();
    expect(waiters.map((w) => w.checks()).sort()).toEqual([1, 2, 2]);
    there.deliver('run:r1'); // a plain topic wakes all its waiters (none here)
  });
});
