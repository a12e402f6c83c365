/**
 * @module How an executing run talks back: state changes and log lines, fenced by the run's token.
 * `createApiReporter` is the real one (HTTP, retrying while the server is unreachable); tests
 * record calls at the `RunReporter` seam.
 */
import { type Api, LaunchError } from '@tminus/sdk';
import type { LogStream, RunStatusUpdate } from '@tminus/sdk/protocol';

export interface ReportedLine {
  readonly stream: LogStream;
  readonly text: string;
}

/** Lines to append, with the number of the first (the agent numbers a run's lines from 0). */
export interface NumberedLines {
  readonly lines: readonly ReportedLine[];
  readonly from: number;
}

export interface RunReporter {
  /** A state change; `last.lines`, if any, are appended first, in the same request. */
  status(
    update: Omit<RunStatusUpdate, 'fencingToken' | 'lines' | 'linesFrom'>,
    last?: NumberedLines,
  ): Promise<void>;
  /**
   * Appends lines; `from` lets the server skip the ones it has (a retried request). `truncated`: the
   * run's log limit on the server is reached; further lines would be dropped.
   */
  logs(lines: readonly ReportedLine[], from: number): Promise<{ truncated: boolean }>;
}

/**
 * The server will take no more writes for this run from us: another attempt owns it (stale token),
 * it has already ended (conflict), or it is gone. The process is killed and nothing more is sent.
 */
export function isOwnershipLost(error: unknown): boolean {
  return (
    error instanceof LaunchError &&
    (error.code === 'STALE_TOKEN' || error.code === 'CONFLICT' || error.code === 'NOT_FOUND')
  );
}

/** Worth another try: the server is restarting or briefly overloaded. */
function isTransient(error: unknown): boolean {
  return (
    error instanceof LaunchError &&
    (error.code === 'UNAVAILABLE' || error.code === 'INTERNAL' || error.code === 'TIMEOUT')
  );
}

/** Retries transient failures with backoff (0.5 s → 5 s, jittered) for up to `forMs`. */
export async function withRetries<T>(work: () => Promise<T>, forMs = 60_000): Promise<T> {
  const deadline = Date.now() + forMs;
  for (let delay = 500; ; delay = Math.min(delay * 2, 5_000)) {
    try {
      return await work();
    } catch (error) {
      if (!isTransient(error) || Date.now() + delay > deadline) throw error;
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())));
    }
  }
}

export function createApiReporter(api: Api, runId: string, fencingToken: string): RunReporter {
  return {
    async status(update, last) {
      // Repeating a state is allowed by the server, and numbered lines are not appended twice, so
      // a retried write is harmless.
      const body = {
        ...update,
        fencingToken,
        ...(last === undefined || last.lines.length === 0
          ? {}
          : { lines: [...last.lines], linesFrom: last.from }),
      };
      await withRetries(() => api.request('updateRunStatus', { params: { id: runId }, body }));
    },
    async logs(lines, from) {
      const { truncated } = await withRetries(() =>
        api.request('appendLogs', {
          params: { id: runId },
          body: { fencingToken, lines: [...lines], from },
        }),
      );
      return { truncated };
    },
  };
}

/**
 * How many lines the server has of the run under this fencing token (an empty append asks): an agent
 * re-attaching to a run its predecessor started numbers on from there, so its lines are not taken
 * for ones the server has already.
 */
export async function linesReceived(
  api: Api,
  runId: string,
  fencingToken: string,
): Promise<number> {
  const { received } = await withRetries(() =>
    api.request('appendLogs', { params: { id: runId }, body: { fencingToken, lines: [] } }),
  );
  return received;
}

/** Limits of one appendLogs request (the protocol allows 10,000 lines). */
const MAX_BATCH_LINES = 5_000;
const MAX_BATCH_CHARS = 1024 * 1024;

/**
 * Ships log lines in order with one request in flight at a time; lines that arrive meanwhile go
 * out together in the next request, so a chatty program costs few requests and order is kept.
 * With `lingerMs`, the first line after a quiet spell waits that long for company: a burst of lines
 * goes in one request, and the lines of a program that ends within it travel with its final report.
 */
export class LogShipper {
  #buffer: ReportedLine[] = [];
  /** The number of the next line to send (numbered from `firstLine` in the order pushed). */
  #next: number;
  #inFlight: Promise<void> | undefined;
  #failed: Error | undefined;
  #closing = false;
  /** The server keeps no more of this run's output (its log limit): lines are no longer sent. */
  #full = false;
  #lingering: { timer: NodeJS.Timeout; resolve: () => void } | undefined;

  /**
   * `onLost` is called once if the server refuses our writes (see `isOwnershipLost`); `firstLine` is
   * the number of the first line (0, or what the server has when re-attaching: `linesReceived`).
   */
  constructor(
    private readonly reporter: RunReporter,
    private readonly onLost: (error: unknown) => void = () => undefined,
    private readonly lingerMs = 0,
    firstLine = 0,
  ) {
    this.#next = firstLine;
  }

  push(stream: LogStream, text: string): void {
    if (this.#failed !== undefined || this.#full) return;
    this.#buffer.push({ stream, text });
    this.#inFlight ??=
      this.lingerMs > 0 && !this.#closing
        ? this.#linger().then(() => this.#drain())
        : this.#drain();
  }

  /** Waits `lingerMs`, or less if the run ends meanwhile (`takeLast` cuts it short). */
  #linger(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#lingering = undefined;
        resolve();
      }, this.lingerMs);
      this.#lingering = { timer, resolve };
    });
  }

  /** Resolves once every pushed line has been sent; rejects with the error that stopped shipping. */
  async flush(): Promise<void> {
    while (this.#inFlight !== undefined) await this.#inFlight;
    if (this.#failed !== undefined) throw this.#failed;
  }

  /**
   * For the last report of a run (the process has exited, nothing more will be pushed): sends all
   * but one request's worth of lines and hands back the rest, to travel with the final state.
   */
  async takeLast(): Promise<NumberedLines> {
    this.#closing = true; // the request in flight stops the drain once the rest fits one batch
    if (this.#lingering !== undefined) {
      clearTimeout(this.#lingering.timer);
      this.#lingering.resolve();
      this.#lingering = undefined;
    }
    await this.flush();
    while (!this.#fitsOneBatch()) {
      try {
        await this.#send();
      } catch (error) {
        this.#fail(error);
        throw error;
      }
    }
    return this.#number(this.#buffer.splice(0));
  }

  /** Numbers lines taken from the buffer, in order. */
  #number(lines: ReportedLine[]): NumberedLines {
    const from = this.#next;
    this.#next += lines.length;
    return { lines, from };
  }

  async #send(): Promise<void> {
    const { lines, from } = this.#number(this.#nextBatch());
    this.#sent(await this.reporter.logs(lines, from));
  }

  #fitsOneBatch(): boolean {
    if (this.#buffer.length > MAX_BATCH_LINES) return false;
    let chars = 0;
    for (const line of this.#buffer) chars += line.text.length;
    return this.#buffer.length <= 1 || chars <= MAX_BATCH_CHARS;
  }

  #nextBatch(): ReportedLine[] {
    let chars = 0;
    let count = 0;
    while (count < this.#buffer.length && count < MAX_BATCH_LINES) {
      chars += this.#buffer[count]!.text.length;
      if (count > 0 && chars > MAX_BATCH_CHARS) break;
      count++;
    }
    return this.#buffer.splice(0, count);
  }

  async #drain(): Promise<void> {
    try {
      while (this.#buffer.length > 0 && !(this.#closing && this.#fitsOneBatch()))
        await this.#send();
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#inFlight = undefined;
    }
  }

  #sent({ truncated }: { truncated: boolean }): void {
    if (!truncated) return;
    this.#full = true;
    this.#buffer = [];
  }

  #fail(error: unknown): void {
    this.#failed = error instanceof Error ? error : new Error(String(error));
    this.#buffer = [];
    if (isOwnershipLost(error)) this.onLost(error);
  }
}
