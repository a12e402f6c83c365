/**
 * @module A container's output followed from the API (`pods/<pod>/log?follow=true&timestamps=true`),
 * line by line, stdout and stderr apart where the cluster can (`stream=Stdout|Stderr`, Kubernetes
 * 1.32+), else merged as stdout. Each line's timestamp is the position reached: a dropped connection
 * goes on from it (`sinceTime`, skipping what was delivered), and so does a re-attaching agent, from
 * the position kept in a small file beside its work.
 */
import { readFile, writeFile } from 'node:fs/promises';

import type { LogStream } from '@tminus/sdk/protocol';

import { LineSplitter } from '../../lib/line-splitter.js';
import { KubeApiError, type KubeApi } from './kube-api.js';

/** The last line delivered: its timestamp, and how many lines with exactly that timestamp. */
export interface LogPosition {
  readonly ts: string;
  readonly n: number;
}
export type LogPositions = Partial<Record<'Stdout' | 'Stderr' | 'All', LogPosition>>;

/** RFC 3339 with nanoseconds (trailing zeros trimmed, as Kubernetes writes them) as a sortable key. */
export function timeKey(ts: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(ts);
  return m === null ? ts : `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}`;
}

export async function readPositions(path: string | undefined): Promise<LogPositions> {
  if (path === undefined) return {};
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LogPositions;
  } catch {
    return {};
  }
}

export interface FollowTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

/** Whether the cluster splits streams; learnt once per runner (undefined: not asked yet). */
export interface SplitSupport {
  split: boolean | undefined;
}

export class LogFollower {
  #positions: LogPositions;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #abort = new AbortController();

  constructor(
    private readonly api: KubeApi,
    private readonly target: FollowTarget,
    private readonly onLine: (stream: LogStream, text: string) => void,
    private readonly support: SplitSupport,
    start: LogPositions,
    /** Where positions are kept for a restarted agent; undefined: nowhere. */
    private readonly positionsFile: string | undefined,
  ) {
    this.#positions = { ...start };
  }

  /** Follows until the container's output ends (it has ended and all of it was read). */
  async follow(isOver: () => boolean): Promise<void> {
    if (this.support.split !== false) {
      try {
        await Promise.all([
          this.#followStream('Stdout', isOver),
          this.#followStream('Stderr', isOver),
        ]);
        this.support.split = true;
        return this.#flush();
      } catch (error) {
        // A cluster without PodLogsQuerySplitStreams refuses `stream`: read both merged from then on.
        if (!(
          error instanceof KubeApiError &&
          error.status >= 400 &&
          error.status < 500 &&
          /stream/i.test(error.message)
        ))
          throw error;
        this.support.split = false;
      }
    }
    await this.#followStream('All', isOver);
    return this.#flush();
  }

  stop(): void {
    this.#abort.abort();
  }

  async #followStream(stream: 'Stdout' | 'Stderr' | 'All', isOver: () => boolean): Promise<void> {
    const to: LogStream = stream === 'Stderr' ? 'stderr' : 'stdout';
    // Re-open a dropped connection while the container may still write; stop once it has ended.
    for (let tries = 0; !this.#abort.signal.aborted; tries++) {
      const from = this.#positions[stream];
      let skip = from?.n ?? 0;
      const fromKey = from === undefined ? undefined : timeKey(from.ts);
      const response = await this.api
        .log(
          {
            ...this.target,
            follow: true,
            ...(from === undefined ? {} : { sinceTime: from.ts.replace(/\.\d+Z$/, 'Z') }),
            ...(stream === 'All' ? {} : { stream }),
          },
          this.#abort.signal,
        )
        .catch((error: unknown) => {
          if (this.#abort.signal.aborted) return undefined;
          throw error;
        });
      if (response === undefined) return;
      const splitter = new LineSplitter((line) => {
        const space = line.indexOf(' ');
        const ts = space === -1 ? line : line.slice(0, space);
        const text = space === -1 ? '' : line.slice(space + 1);
        const key = timeKey(ts);
        if (fromKey !== undefined && key < fromKey) return;
        if (fromKey !== undefined && key === fromKey && skip > 0) {
          skip--;
          return;
        }
        const last = this.#positions[stream];
        this.#positions[stream] = { ts, n: last !== undefined && last.ts === ts ? last.n + 1 : 1 };
        this.#changed();
        this.onLine(to, text);
      });
      response.setEncoding('utf8');
      await new Promise<void>((resolve) => {
        response.on('data', (chunk: string) => splitter.push(chunk));
        response.on('end', resolve);
        response.on('error', () => resolve());
        response.on('close', resolve);
      });
      splitter.end();
      if (isOver() || tries > 100) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  #changed(): void {
    if (this.positionsFile === undefined) return;
    this.#dirty = true;
    this.#timer ??= setTimeout(() => void this.#flush(), 1000);
  }

  async #flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#dirty || this.positionsFile === undefined) return;
    this.#dirty = false;
    await writeFile(this.positionsFile, JSON.stringify(this.#positions), { mode: 0o600 }).catch(
      () => undefined,
    );
  }
}
