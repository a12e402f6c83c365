/**
 * @module How an executing run talks back: state changes and log lines, fenced by the run's token.
 * `createApiReporter` is the real one (HTTP); tests may record calls at this seam.
 */
import { type Api, LaunchError } from '@tminus/sdk';
import type { LogStream, RunStatusUpdate } from '@tminus/sdk/protocol';

export interface RunReporter {
  status(update: Omit<RunStatusUpdate, 'fencingToken'>): Promise<void>;
  logs(lines: readonly { stream: LogStream; text: string }[]): Promise<void>;
}

export function createApiReporter(api: Api, runId: string, fencingToken: string): RunReporter {
  return {
    async status(update) {
      await api.request('updateRunStatus', { params: { id: runId }, body: { ...update, fencingToken } });
    },
    async logs(lines) {
      await api.request('appendLogs', { params: { id: runId }, body: { fencingToken, lines: [...lines] } });
    },
  };
}

export function isStaleToken(error: unknown): boolean {
  return error instanceof LaunchError && error.code === 'STALE_TOKEN';
}

/**
 * Ships log lines in order with one request in flight at a time; lines that arrive meanwhile go
 * out together in the next request, so a chatty program costs few requests and order is kept.
 */
export class LogShipper {
  #buffer: { stream: LogStream; text: string }[] = [];
  #inFlight: Promise<void> | undefined;
  #failed: Error | undefined;

  constructor(private readonly reporter: RunReporter) {}

  push(stream: LogStream, text: string): void {
    this.#buffer.push({ stream, text });
    this.#inFlight ??= this.#drain();
  }

  /** Resolves when every pushed line has been sent; rejects with a stale-token error if one occurred. */
  async flush(): Promise<void> {
    while (this.#inFlight !== undefined) await this.#inFlight;
    if (this.#failed !== undefined) throw this.#failed;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#buffer.length > 0) {
        const batch = this.#buffer.splice(0, 5_000);
        for (let attempt = 0; ; attempt++) {
          try {
            await this.reporter.logs(batch);
            break;
          } catch (error) {
            if (isStaleToken(error) || attempt >= 5) throw error;
            await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
          }
        }
      }
    } catch (error) {
      this.#failed = error instanceof Error ? error : new Error(String(error));
      this.#buffer = [];
    } finally {
      this.#inFlight = undefined;
    }
  }
}
