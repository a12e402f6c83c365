/**
 * @module How much of a run's output is kept (pure, shared by the store adapters): lines are kept
 * while the run's total stays within its limit; the line that would pass it is replaced by one notice
 * saying so, and nothing more is kept. The run itself goes on: a chatty program is not killed for its
 * output, but it cannot fill the server's disk either.
 */
import type { LogStream } from '@tminus/sdk/protocol';

export interface LogLimit {
  /** Bytes of log text (UTF-8) kept per run. */
  readonly maxBytes: number;
  /** The system line written where the log stops. */
  readonly notice: string;
}

export interface Line {
  readonly stream: LogStream;
  readonly text: string;
}

export interface Fitted {
  /** The lines to store (with the notice, if this batch reached the limit). */
  readonly keep: readonly Line[];
  /** The run's log bytes afterwards (`maxBytes` once the limit was reached). */
  readonly used: number;
  /** True when the limit is reached: later lines are dropped. */
  readonly truncated: boolean;
}

export function fitLines(used: number, lines: readonly Line[], limit: LogLimit): Fitted {
  if (used >= limit.maxBytes) return { keep: [], used, truncated: true };
  let total = used;
  for (const [i, line] of lines.entries()) {
    const size = Buffer.byteLength(line.text);
    if (total + size > limit.maxBytes) {
      const keep = [...lines.slice(0, i), { stream: 'system' as const, text: limit.notice }];
      return { keep, used: limit.maxBytes, truncated: true };
    }
    total += size;
  }
  return { keep: lines, used: total, truncated: false };
}
