/**
 * @module The time of the last output line delivered from a container, kept in a small file, so that
 * an agent that re-attaches after a restart asks the engine only for what came after it (`logs
 * --since`) and delivers no line twice. The engine's timestamps are RFC 3339 with up to nine digits
 * of fraction, trailing zeros dropped; `sortable` pads them so that they compare as strings.
 */
import { readFile, writeFile } from 'node:fs/promises';

const STAMPED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}) (.*)$/s;

/** A line as `logs --timestamps` prints it, split into its time (sortable) and text. */
export function splitStamp(line: string): { time: string | undefined; text: string } {
  const m = STAMPED.exec(line);
  if (m === null) return { time: undefined, text: line };
  const [, seconds = '', fraction = '', zone = ''] = m;
  return { time: `${seconds}.${fraction.padEnd(9, '0')}${zone}`, text: m[4] ?? '' };
}

/** How often the mark is written while lines arrive. */
const WRITE_EVERY_MS = 500;

export class LogMark {
  #last: string | undefined;
  #written: string | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly path: string | undefined,
    /** Lines at or before this time were delivered by an earlier agent. */
    readonly since: string | undefined,
  ) {
    this.#last = since;
  }

  static async read(path: string | undefined): Promise<LogMark> {
    const text =
      path === undefined ? undefined : await readFile(path, 'utf8').catch(() => undefined);
    return new LogMark(path, text?.trim() || undefined);
  }

  /** Whether a line of this time is new (not delivered before the restart). */
  isNew(time: string | undefined): boolean {
    return time === undefined || this.since === undefined || time > this.since;
  }

  saw(time: string | undefined): void {
    if (time === undefined || (this.#last !== undefined && time <= this.#last)) return;
    this.#last = time;
    this.#timer ??= setTimeout(() => void this.flush(), WRITE_EVERY_MS);
  }

  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const last = this.#last;
    if (this.path === undefined || last === undefined || last === this.#written) return;
    this.#written = last;
    await writeFile(this.path, last).catch(() => undefined);
  }
}
