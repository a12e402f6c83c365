/**
 * @module Which lines of a log append the run's log has already (pure, shared by the store adapters),
 * so that a retried append — its first attempt landed, its answer was lost — adds nothing twice.
 * An agent numbers the lines it sends for a run from 0 under its fencing token (a new attempt of the
 * run, with a new token, starts again at 0) and says the number of each append's first line
 * (`from`). The store keeps, per run, the token its count is for and how many of that agent's lines
 * it has received; lines below that count are skipped. An append without `from` (an older agent) is
 * appended whole, as before.
 */

export interface ReceivedLines {
  /** The fencing token `count` is for; null before any numbered append. */
  readonly token: string | null;
  /** How many lines that token's agent has sent (lines dropped past the log limit included). */
  readonly count: number;
}

export interface UnseenLines<T> {
  /** The lines to append. */
  readonly lines: readonly T[];
  /** What the run has received afterwards. */
  readonly received: ReceivedLines;
}

export function unseenLines<T>(
  received: ReceivedLines,
  token: string,
  from: number | undefined,
  lines: readonly T[],
): UnseenLines<T> {
  if (from === undefined) return { lines, received };
  const have = receivedCount(received, token);
  // A gap (from > have: lines the server never got) cannot be filled; the rest is appended.
  return {
    lines: lines.slice(Math.max(0, have - from)),
    received: { token, count: Math.max(have, from + lines.length) },
  };
}

/** How many of `token`'s numbered lines the run has: where an agent re-attaching under it numbers on. */
export function receivedCount(received: ReceivedLines, token: string): number {
  return received.token === token ? received.count : 0;
}
