/**
 * @module `SubmittedRun`: the handle `launch()` returns for a run executing on this machine.
 */
import type { Api } from './client.js';
import type { LocalExecution } from './local-executor.js';
import type { RunState } from './protocol/run.js';

export class SubmittedRun {
  readonly id: string;
  readonly #api: Api;
  readonly #execution: LocalExecution;

  constructor(api: Api, id: string, execution: LocalExecution) {
    this.#api = api;
    this.id = id;
    this.#execution = execution;
  }

  /** Waits for the run to end; true when it finished successfully. */
  async wait(): Promise<boolean> {
    return (await this.#execution.done).state === 'finished';
  }

  /** The run's state as recorded on the server. */
  async getStatus(): Promise<RunState> {
    return (await this.#api.request('getRun', { params: { id: this.id } })).state;
  }

  /** Stops the run (SIGTERM, then SIGKILL after the grace period) and waits until it ended. */
  async cancel(): Promise<void> {
    await this.#execution.cancel();
  }

  /** The run's output so far (stdout and stderr, in order). */
  async getLogs(): Promise<string> {
    let after = -1;
    let text = '';
    for (;;) {
      const page = await this.#api.request('getLogs', {
        params: { id: this.id },
        query: { after },
      });
      for (const line of page.lines) text += `${line.text}\n`;
      if (page.lines.length === 0) return text;
      after = page.next;
    }
  }
}
