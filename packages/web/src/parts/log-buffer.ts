/**
 * @module The lines of a log as the log view keeps them: the texts in one array and each line's
 * stream in a byte array. 100,000 lines cost their text, not 100,000 objects each with its sequence
 * number and timestamp string (docs/decisions/0047).
 */
import type { LogLine, LogStream } from '@tminus/sdk/protocol';

const STREAMS: readonly LogStream[] = ['stdout', 'stderr', 'system'];

export class LogBuffer {
  readonly texts: string[] = [];
  #streams = new Uint8Array(4096);

  get length(): number {
    return this.texts.length;
  }

  append(lines: readonly LogLine[]): void {
    let n = this.texts.length;
    if (n + lines.length > this.#streams.length) {
      const grown = new Uint8Array(Math.max(this.#streams.length * 2, n + lines.length));
      grown.set(this.#streams);
      this.#streams = grown;
    }
    for (const line of lines) {
      this.texts.push(line.text);
      this.#streams[n++] = Math.max(0, STREAMS.indexOf(line.stream));
    }
  }

  /** The stream of line `i` (0 = the first line held). */
  stream(i: number): LogStream {
    return STREAMS[this.#streams[i] ?? 0] ?? 'stdout';
  }
}
