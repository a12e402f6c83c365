import { describe, expect, it } from 'vitest';

import { LaunchError } from '@tminus/sdk';

import { LogShipper, type ReportedLine, type RunReporter, withRetries } from './run-reporter.js';

/** A reporter whose log requests complete only when the test lets them. */
function gatedReporter() {
  const batches: ReportedLine[][] = [];
  const gates: (() => void)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const reporter: RunReporter = {
    status: () => Promise.resolve(),
    async logs(lines) {
      batches.push([...lines]);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise<void>((resolve) => gates.push(resolve));
      inFlight--;
      return { truncated: false };
    },
  };
  const release = async () => {
    while (gates.length === 0) await new Promise((r) => setTimeout(r, 1));
    gates.shift()!();
  };
  return { reporter, batches, release, maxInFlight: () => maxInFlight };
}

describe('log shipping', () => {
  it('numbers the lines it sends from 0, in order, so that the server can skip a retried request’s', async () => {
    const calls: { texts: string[]; from: number }[] = [];
    const shipper = new LogShipper({
      status: () => Promise.resolve(),
      logs: (lines, from) => (
        calls.push({ texts: lines.map((l) => l.text), from }),
        Promise.resolve({ truncated: false })
      ),
    });
    shipper.push('stdout', 'a');
    shipper.push('stdout', 'b');
    await shipper.flush();
    shipper.push('stderr', 'c');
    await shipper.flush();
    shipper.push('stdout', 'd');
    const last = await shipper.takeLast();
    expect(calls).toEqual([
      { texts: ['a'], from: 0 },
      { texts: ['b'], from: 1 },
      { texts: ['c'], from: 2 },
      { texts: ['d'], from: 3 },
    ]);
    expect(last).toEqual({ lines: [], from: 4 });
  });

  it('re-attached to a run whose server has 7 of its lines, numbers on from 7', async () => {
    const froms: number[] = [];
    const reporter: RunReporter = {
      status: () => Promise.resolve(),
      logs: (_lines, from) => (froms.push(from), Promise.resolve({ truncated: false })),
    };
    const shipper = new LogShipper(reporter, undefined, 0, 7);
    shipper.push('stdout', 'after the restart');
    await shipper.flush();
    shipper.push('stdout', 'done');
    expect(await shipper.takeLast()).toEqual({ lines: [], from: 9 });
    expect(froms).toEqual([7, 8]);
  });

  it("stops sending once the server says the run's log limit is reached", async () => {
    const sent: string[] = [];
    const reporter: RunReporter = {
      status: () => Promise.resolve(),
      logs: (lines) => {
        sent.push(...lines.map((l) => l.text));
        return Promise.resolve({ truncated: sent.length >= 2 });
      },
    };
    const shipper = new LogShipper(reporter);
    shipper.push('stdout', 'a');
    await shipper.flush();
    shipper.push('stdout', 'b');
    await shipper.flush();
    shipper.push('stdout', 'c');
    await shipper.flush();
    expect(sent).toEqual(['a', 'b']);
    expect(await shipper.takeLast()).toEqual({ lines: [], from: 2 });
  });

  it('sends one request at a time and batches what arrives meanwhile, in order', async () => {
    const { reporter, batches, release, maxInFlight } = gatedReporter();
    const shipper = new LogShipper(reporter);
    shipper.push('stdout', 'line 0');
    for (let i = 1; i <= 100; i++) shipper.push(i % 2 ? 'stdout' : 'stderr', `line ${i}`);
    const flushed = shipper.flush();
    await release();
    await release();
    await flushed;
    expect(batches.map((b) => b.length)).toEqual([1, 100]);
    expect(batches.flat().map((l) => l.text)).toEqual(
      Array.from({ length: 101 }, (_, i) => `line ${i}`),
    );
    expect(batches[1]![0]).toEqual({ stream: 'stdout', text: 'line 1' });
    expect(maxInFlight()).toBe(1);
  });

  it('with a linger, a burst goes in one request, and a run that ends within it sends its lines with the final report', async () => {
    const sent: string[][] = [];
    const reporter: RunReporter = {
      status: () => Promise.resolve(),
      logs: (lines) => (sent.push(lines.map((l) => l.text)), Promise.resolve({ truncated: false })),
    };
    const burst = new LogShipper(reporter, () => undefined, 30);
    burst.push('stdout', 'a');
    await new Promise((r) => setTimeout(r, 5));
    burst.push('stdout', 'b');
    expect(sent).toEqual([]); // still lingering
    await new Promise((r) => setTimeout(r, 60));
    expect(sent).toEqual([['a', 'b']]);
    burst.push('stderr', 'c'); // a new quiet spell: lingers again
    await burst.flush();
    expect(sent).toEqual([['a', 'b'], ['c']]);

    const short = new LogShipper(reporter, () => undefined, 10_000);
    short.push('stdout', 'only line');
    const started = Date.now();
    expect(await short.takeLast()).toEqual({
      lines: [{ stream: 'stdout', text: 'only line' }],
      from: 0,
    });
    expect(Date.now() - started).toBeLessThan(1_000); // the end of the run cut the linger short
    expect(sent).toHaveLength(2);
  });

  it('splits a large backlog into bounded requests', async () => {
    const sent: number[] = [];
    const shipper = new LogShipper({
      status: () => Promise.resolve(),
      logs: (lines) => (sent.push(lines.length), Promise.resolve({ truncated: false })),
    });
    for (let i = 0; i < 12_001; i++) shipper.push('stdout', String(i));
    await shipper.flush();
    expect(sent.reduce((a, b) => a + b)).toBe(12_001);
    expect(Math.max(...sent)).toBeLessThanOrEqual(5_000);
  });

  it('takeLast waits for the request in flight, sends all but the last batch, and returns the rest in order', async () => {
    const { reporter, batches, release } = gatedReporter();
    const shipper = new LogShipper(reporter);
    shipper.push('stdout', 'first');
    for (let i = 0; i < 7_000; i++) shipper.push('stdout', `l${i}`);
    const last = shipper.takeLast();
    await release(); // 'first'
    await release(); // a full batch of the backlog
    const rest = await last;
    expect(batches.map((b) => b.length)).toEqual([1, 5_000]);
    expect(rest.lines).toHaveLength(2_000);
    expect(rest.from).toBe(5_001);
    expect([...batches.flat(), ...rest.lines].map((l) => l.text)).toEqual([
      'first',
      ...Array.from({ length: 7_000 }, (_, i) => `l${i}`),
    ]);
    // Nothing buffered: the last report carries no lines and no request is made.
    expect(await new LogShipper(reporter).takeLast()).toEqual({ lines: [], from: 0 });
  });

  it('stops and says so once the server refuses the run’s token', async () => {
    let calls = 0;
    const lost: unknown[] = [];
    const shipper = new LogShipper(
      {
        status: () => Promise.resolve(),
        logs: () => (calls++, Promise.reject(new LaunchError('STALE_TOKEN', 'stale'))),
      },
      (error) => lost.push(error),
    );
    shipper.push('stdout', 'a');
    await expect(shipper.flush()).rejects.toThrow('stale');
    shipper.push('stdout', 'b');
    await expect(shipper.flush()).rejects.toThrow('stale');
    expect(calls).toBe(1);
    expect(lost).toHaveLength(1);
  });
});

describe('retries', () => {
  it('retries while the server is unreachable, then succeeds', async () => {
    let calls = 0;
    const result = await withRetries(async () => {
      if (++calls < 2) throw new LaunchError('UNAVAILABLE', 'down');
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(2);
  });

  it('does not retry what another try cannot fix', async () => {
    let calls = 0;
    const work = () => (calls++, Promise.reject(new LaunchError('STALE_TOKEN', 'stale')));
    await expect(withRetries(work)).rejects.toThrow('stale');
    expect(calls).toBe(1);
  });

  it('gives up after its time budget', async () => {
    let calls = 0;
    const work = () => (calls++, Promise.reject(new LaunchError('UNAVAILABLE', 'down')));
    await expect(withRetries(work, 100)).rejects.toThrow('down');
    expect(calls).toBe(1);
  });
});
