/**
 * @module The part of the store contract about run logs: order, fencing, numbered appends and the log limit. Run by `describeStoreContract` against every adapter.
 */
import { LogLine } from '@tminus/sdk/protocol';
import { beforeEach, expect, it } from 'vitest';

import { contractFixtures, LIMIT, wire } from './contract-fixtures.js';
import type { Store } from './store.js';

export function describeLogsContract(current: () => Store, now: () => number): void {
  const { newRun, leasedRun } = contractFixtures(current, now);
  // Read at each use: the suite opens a new store before each test.
  let store: Store;
  beforeEach(() => {
    store = current();
  });
  it('logs: consecutive sequence numbers, in order, fenced', async () => {
    await store.createRun(newRun('r', 'tk'));
    expect(
      await store.appendLogs(
        'r',
        'tk',
        [
          { stream: 'stdout', text: 'a' },
          { stream: 'stderr', text: 'b' },
        ],
        now(),
        LIMIT,
      ),
    ).toEqual({ next: 2, truncated: false, received: 0 });
    expect(
      await store.appendLogs('r', 'tk', [{ stream: 'stdout', text: 'c' }], now(), LIMIT),
    ).toEqual({ next: 3, truncated: false, received: 0 });
    await expect(
      store.appendLogs('r', 'no', [{ stream: 'stdout', text: 'x' }], now(), LIMIT),
    ).rejects.toMatchObject({ code: 'STALE_TOKEN' });
    expect((await store.readLogs('r', -1, 10)).map((l) => [l.seq, l.stream, l.text])).toEqual([
      [0, 'stdout', 'a'],
      [1, 'stderr', 'b'],
      [2, 'stdout', 'c'],
    ]);
    expect((await store.readLogs('r', 0, 1)).map((l) => l.text)).toEqual(['b']);
    expect(await store.readLogs('r', 2, 10)).toEqual([]);
    expect((await store.appendLogs('r', 'tk', [], now(), LIMIT)).next).toBe(3);
    await expect(
      store.appendLogs('nope', 'tk', [{ stream: 'stdout', text: 'x' }], now(), LIMIT),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const [line] = await store.readLogs('r', -1, 1);
    wire(LogLine, line);
    expect(await store.readLogs('nope', -1, 10)).toEqual([]);
    const many = Array.from({ length: 250 }, (_, k) => ({
      stream: 'stdout' as const,
      text: `line ${k}`,
    }));
    expect((await store.appendLogs('r', 'tk', many, 7_000, LIMIT)).next).toBe(253);
    const tail = await store.readLogs('r', 100, 1_000);
    expect(tail.length).toBe(152);
    expect(tail[0]).toEqual({
      seq: 101,
      stream: 'stdout',
      text: 'line 98',
      ts: new Date(7_000).toISOString(),
    });
  });

  it('logs: an append numbered from the agent’s first line skips the lines the log has (a retry); a new attempt counts again', async () => {
    await leasedRun(2);
    const lines = (...texts: string[]) =>
      texts.map((text) => ({ stream: 'stdout' as const, text }));
    const append = (token: string, from: number | undefined, ...texts: string[]) =>
      store.appendLogs('r', token, lines(...texts), now(), LIMIT, from);
    const received = (next: number, count: number) => ({
      next,
      truncated: false,
      received: count,
    });
    expect(await append('a1', 0, 'a', 'b')).toEqual(received(2, 2));
    expect(await append('a1', 0, 'a', 'b')).toEqual(received(2, 2));
    expect(await append('a1', 1, 'b', 'c')).toEqual(received(3, 3));
    expect(await append('a1', undefined, 'unnumbered')).toEqual(received(4, 3));
    // An agent re-attaching under the same token asks with an empty append where to number on.
    expect(await append('a1', undefined)).toEqual(received(4, 3));
    // Attempt 2 of the run, with its own token: its agent numbers its lines from 0 again.
    await store.expireRunLeases(300, () => 'new');
    await store.claim({
      queueId: 'q_q',
      agentId: 'ag2',
      fencingToken: 'a2',
      now: 400,
      leaseExpiresAt: 500,
    });
    await store.ackItem('i', 'a2', newRun('r', 'a2', { state: 'starting', leaseExpiresAt: 500 }));
    const before = (await store.readLogs('r', -1, 100)).length;
    expect((await append('a2', undefined)).received).toBe(0);
    await append('a2', 0, 'second attempt');
    expect((await append('a2', 0, 'second attempt')).received).toBe(1);
    await expect(append('a1', 3, 'late')).rejects.toMatchObject({ code: 'STALE_TOKEN' });
    const texts = (await store.readLogs('r', -1, 100)).map((l) => l.text);
    expect(texts.slice(0, 4)).toEqual(['a', 'b', 'c', 'unnumbered']);
    expect(texts.slice(before)).toEqual(['second attempt']);
  });

  it('logs: a run keeps output up to its limit, then one notice, then nothing more', async () => {
    await store.createRun(newRun('chatty', 'tk'));
    const small = { maxBytes: 10, notice: 'log limit of 10 bytes reached' };
    const lines = (...texts: string[]) =>
      texts.map((text) => ({ stream: 'stdout' as const, text }));
    expect(await store.appendLogs('chatty', 'tk', lines('1234', '5678'), now(), small)).toEqual({
      next: 2,
      truncated: false,
      received: 0,
    });
    expect(await store.appendLogs('chatty', 'tk', lines('90', 'abc'), now(), small)).toEqual({
      next: 4,
      truncated: true,
      received: 0,
    });
    expect(await store.appendLogs('chatty', 'tk', lines('more'), now(), small)).toEqual({
      next: 4,
      truncated: true,
      received: 0,
    });
    expect((await store.readLogs('chatty', -1, 10)).map((l) => [l.stream, l.text])).toEqual([
      ['stdout', '1234'],
      ['stdout', '5678'],
      ['stdout', '90'],
      ['system', 'log limit of 10 bytes reached'],
    ]);
  });
}
