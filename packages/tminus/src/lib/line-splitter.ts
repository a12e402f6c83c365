/**
 * @module Turns a decoded output stream into lines (pure): `\n` and `\r\n` end a line, a final line
 * without a newline is kept, and a line longer than `maxLine` is cut into pieces so that one
 * runaway line (a progress bar without newlines, a dumped tensor) cannot make a huge log record.
 */

export const MAX_LINE = 64 * 1024;

export class LineSplitter {
  #pending = '';

  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxLine = MAX_LINE,
  ) {}

  push(chunk: string): void {
    const text = this.#pending + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.#emitLine(text.slice(start, nl > start && text[nl - 1] === '\r' ? nl - 1 : nl));
      start = nl + 1;
    }
    let rest = text.slice(start);
    // Cut an unterminated line as soon as it is long enough, not at the end of the stream.
    while (rest.length > this.maxLine) {
      const cut = this.#cutAt(rest);
      this.emit(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    this.#pending = rest;
  }

  /** The stream ended: a last line without a newline is still a line. */
  end(): void {
    if (this.#pending !== '') this.#emitLine(this.#pending.replace(/\r$/, ''));
    this.#pending = '';
  }

  #emitLine(line: string): void {
    let rest = line;
    while (rest.length > this.maxLine) {
      const cut = this.#cutAt(rest);
      this.emit(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    this.emit(rest);
  }

  /** Where to cut: at `maxLine`, moved back one if that would split a surrogate pair. */
  #cutAt(text: string): number {
    const code = text.charCodeAt(this.maxLine - 1);
    return code >= 0xd800 && code <= 0xdbff ? this.maxLine - 1 : this.maxLine;
  }
}
