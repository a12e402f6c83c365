import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';

import { describe, expect, it } from 'vitest';

import { startLocalProcess } from './runner.js';

function start(argv: [string, ...string[]], env: NodeJS.ProcessEnv = { PATH: process.env.PATH }) {
  const lines: string[] = [];
  const started = startLocalProcess({ argv, env }, tmpdir(), (stream, text) =>
    lines.push(`${stream}:${text}`),
  );
  return { lines, started };
}
const sh = (script: string) => start(['/bin/sh', '-c', script]);

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

/** Running, not a zombie waiting for a parent (in a container, PID 1 may never reap it). */
function alive(pid: number): boolean {
  try {
    return !execFileSync('ps', ['-o', 'stat=', '-p', String(pid)])
      .toString()
      .trim()
      .startsWith('Z');
  } catch {
    return false; // ps exits 1 when there is no such process.
  }
}

describe('local-process runner', () => {
  it('captures the exit code, and stdout and stderr line by line with a final unterminated line', async () => {
    const { lines, started } = sh('echo a; echo b >&2; printf c; exit 5');
    const exit = await (await started).exited;
    expect(exit).toEqual({ exitCode: 5, signal: null });
    expect(lines.filter((l) => l.startsWith('stdout'))).toEqual(['stdout:a', 'stdout:c']);
    expect(lines.filter((l) => l.startsWith('stderr'))).toEqual(['stderr:b']);
  });

  it('keeps the order of many lines from a real python3 child', async () => {
    const { lines, started } = start([
      'python3',
      '-c',
      'import sys\nfor i in range(5000): print(i)\nsys.exit(0)',
    ]);
    expect((await (await started).exited).exitCode).toBe(0);
    expect(lines).toEqual(Array.from({ length: 5000 }, (_, i) => `stdout:${i}`));
  });

  it('runs without a shell: arguments are passed as they are', async () => {
    const { lines, started } = start(['/bin/echo', '$HOME; rm -rf /', '*']);
    await (
      await started
    ).exited;
    expect(lines).toEqual(['stdout:$HOME; rm -rf / *']);
  });

  it('passes exactly the environment it is given', async () => {
    const { lines, started } = start(['/bin/sh', '-c', 'echo "$ONLY_THIS-$HOME"'], {
      PATH: process.env.PATH,
      ONLY_THIS: 'yes',
    });
    await (
      await started
    ).exited;
    expect(lines).toEqual(['stdout:yes-']);
  });

  it('rejects when the program does not exist', async () => {
    await expect(start(['/no/such/program']).started).rejects.toThrow(/ENOENT/);
  });

  it('reports a signal death as 128 + the signal number', async () => {
    const exit = await (await sh('kill -KILL $$').started).exited;
    expect(exit).toEqual({ exitCode: 137, signal: 'SIGKILL' });
  });

  it('stop() ends a sleeping process with SIGTERM', async () => {
    const child = await sh('sleep 30').started;
    const exit = await child.stop(5_000);
    expect(exit).toEqual({ exitCode: 128 + 15, signal: 'SIGTERM' });
  });

  it('stop() escalates to SIGKILL after the grace period when SIGTERM is trapped', async () => {
    const { lines, started } = sh(
      'trap "echo got-term" TERM; echo ready; while true; do sleep 0.05; done',
    );
    const child = await started;
    await until(() => lines.includes('stdout:ready'));
    const began = Date.now();
    const exit = await child.stop(300);
    expect(exit.signal).toBe('SIGKILL');
    expect(Date.now() - began).toBeGreaterThanOrEqual(250);
    expect(lines).toContain('stdout:got-term');
  });

  it('stop() reaches the whole process group, not only the main process', async () => {
    const { lines, started } = sh('sleep 30 & echo "bg=$!"; wait');
    const child = await started;
    await until(() => lines.some((l) => l.startsWith('stdout:bg=')));
    const bg = Number(lines.find((l) => l.startsWith('stdout:bg='))!.slice('stdout:bg='.length));
    expect(alive(bg)).toBe(true);
    await child.stop(5_000);
    await until(() => !alive(bg));
  });

  it('ends when the main process exits, even if a background child still holds the output pipe', async () => {
    const { lines, started } = sh('sleep 30 & echo "bg=$!"; exit 0');
    const began = Date.now();
    const exit = await (await started).exited;
    expect(exit.exitCode).toBe(0);
    expect(Date.now() - began).toBeLessThan(10_000);
    const bg = Number(lines.find((l) => l.startsWith('stdout:bg='))!.slice('stdout:bg='.length));
    await until(() => !alive(bg));
  });
});
