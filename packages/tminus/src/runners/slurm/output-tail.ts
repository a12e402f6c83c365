/**
 * @module Following a job's output file as Slurm writes it (on a compute node, often over a shared
 * file system): each `read()` opens the file, reads what was added since the last complete line,
 * and hands on the complete lines; `end()` hands on a last line without a newline. The offset after
 * the last complete line is what a restarted agent resumes from (no line lost, none repeated).
 * The file is opened anew for every read, so a network file system shows what the node wrote.
 */
import { open } from 'node:fs/promises';

import { LineSplitter, MAX_LINE } from '../../lib/line-splitter.js';

/** Bytes read per call at most: a flood of output is taken in steps, not held whole. */
const READ_CHUNK = 1024 * 1024;
/** A line this long without a newline is handed on in pieces (as LineSplitter cuts it). */
const MAX_PENDING = 4 * MAX_LINE;

export class OutputTail {
  #offset: number;
  #pending: Buffer = Buffer.alloc(0);
  readonly #lines: LineSplitter;

  constructor(
    private readonly path: string,
    onLine: (text: string) => void,
    /** Where the previous reader left off (after its last complete line). */
    offset = 0,
  ) {
    this.#offset = offset;
    this.#lines = new LineSplitter(onLine);
  }

  /** The offset after the last complete line handed on. */
  get offset(): number {
    return this.#offset;
  }

  /** Hands on the complete lines added since the last read; false when there was nothing new. */
  async read(): Promise<boolean> {
    let file;
    try {
      file = await open(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false; // not started yet
      throw error;
    }
    let any = false;
    try {
      for (;;) {
        const buffer = Buffer.alloc(READ_CHUNK);
        const at = this.#offset + this.#pending.length;
        const { bytesRead } = await file.read(buffer, 0, READ_CHUNK, at);
        if (bytesRead === 0) break;
        any = true;
        this.#take(buffer.subarray(0, bytesRead));
        if (bytesRead < READ_CHUNK) break;
      }
    } finally {
      await file.close();
    }
    return any;
  }

  /** The file is complete: its last line, even without a newline, is a line. */
  end(): void {
    if (this.#pending.length > 0) this.#lines.push(this.#pending.toString('utf8'));
    this.#offset += this.#pending.length;
    this.#pending = Buffer.alloc(0);
    this.#lines.end();
  }

  #take(chunk: Buffer): void {
    const data = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    // A newline byte never occurs inside a UTF-8 sequence: cutting after one splits no character.
    const last = data.lastIndexOf(0x0a);
    if (last === -1 && data.length <= MAX_PENDING) {
      this.#pending = data;
      return;
    }
    const cut = last === -1 ? utf8Boundary(data, data.length - MAX_LINE) : last + 1;
    this.#lines.push(data.subarray(0, cut).toString('utf8'));
    this.#offset += cut;
    this.#pending = data.subarray(cut);
  }
}

/** The largest index ≤ `at` that does not fall inside a UTF-8 sequence. */
function utf8Boundary(data: Buffer, at: number): number {
  let i = Math.max(0, at);
  while (i > 0 && ((data[i] ?? 0) & 0xc0) === 0x80) i--;
  return i;
}
