/**
 * @module Reading a run's log from its start and on while it grows, in pages of `limit` lines. At the
 * start and while pages come back full (a long log already written), `ahead` pages are asked for at once,
 * each assuming the page before it ends exactly `limit` lines later, as it does when sequence numbers
 * are consecutive; a page is used only when the one before it ended where that page assumed, else it
 * is asked for again. Once a page is short, one long-poll (`waitMs`) waits for new lines
 * (docs/decisions/0047).
 */
import type { LogLine, LogPage } from '@tminus/sdk/protocol';

/** One `getLogs` call: the lines after `after`, held up to `waitMs` when there are none. */
export type ReadLogPage = (after: number, waitMs: number, signal: AbortSignal) => Promise<LogPage>;

const WAIT_MS = 25_000;

export class LogFollower {
  readonly #read: ReadLogPage;
  readonly #onLines: (lines: readonly LogLine[]) => void;
  readonly #limit: number;
  readonly #ahead: number;
  #after = -1;
  /** The last page was full, or none was read yet: more lines are likely there already. */
  #full = true;

  constructor(
    read: ReadLogPage,
    onLines: (lines: readonly LogLine[]) => void,
    options: { limit?: number; ahead?: number } = {},
  ) {
    this.#read = read;
    this.#onLines = onLines;
    this.#limit = options.limit ?? 10_000;
    this.#ahead = options.ahead ?? 4;
  }

  /**
   * One round of requests; false once the log is complete (the run ended and every line was read).
   * A failed request throws with what came before it kept, so the next round goes on from there.
   */
  async step(signal: AbortSignal): Promise<boolean> {
    const from = this.#after;
    const waitMs = this.#full ? 0 : WAIT_MS;
    const asked = Array.from({ length: this.#full ? this.#ahead : 1 }, (_, i) =>
      this.#read(from + i * this.#limit, waitMs, signal),
    );
    // A page not used (its predecessor ended elsewhere, or a request failed) is dropped unread.
    for (const page of asked) page.catch(() => undefined);
    for (const [i, pending] of asked.entries()) {
      if (this.#after !== from + i * this.#limit) break;
      const page = await pending;
      if (page.lines.length > 0) this.#onLines(page.lines);
      this.#after = page.next;
      this.#full = page.lines.length >= this.#limit;
      if (page.done) return false;
      if (!this.#full) break;
    }
    return true;
  }
}
