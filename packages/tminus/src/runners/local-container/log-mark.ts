/**
 * @module The time of the last output line delivered from a container, kept in a small file, so that
 * an agent that re-attaches after a restart asks the engine only for what came after it (`logs
 * --since`) and delivers no line twice. The engine's timestamps are RFC 3339 with up to nine digits
 * of fraction, trailing zeros dropped; `sortable` pads them so that they compare as strings.
 */
import { readFile, writeFile } from 'node:fs/promises';

const STAMP = String.raw`(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}) `;
const STAMPED = new RegExp(`^${STAMP}(.*)$`, 's');
/** Podman prints a line its program wrote in pieces as one line with each piece's time. */
const PIECE = new RegExp(STAMP, 'g');

function sortable(seconds: string, fraction: string, zone: string): string {
  return `${seconds}.${fraction.padEnd(9, '0')}${zone}`;
}

/**
 * A line as `logs --timestamps` prints it, split into its time (sortable) and text. With `pieces`
 * (podman), later times inside the line are the times of its pieces: removed, the last one kept.
 */
export function splitStamp(
  line: string,
  pieces = false,
): { time: string | undefined; text: string } {
  const m = STAMPED.exec(line);
  if (m === null) return { time: undefined, text: line };
  const [, seconds = '', fraction = '', zone = '', rest = ''] = m;
  let time = sortable(seconds, fraction, zone);
  if (!pieces) return { time, text: rest };
  const text = rest.replace(PIECE, (_all, s: string, f: string | undefined, z: string) => {
    time = sortable(s, f ?? '', z);
    return '';
  });
  return { time, text };
}

export class LogMark {
  #last: string | undefined;
  #written: string | undefined;
  /** The write in flight; the next one starts after it (at most one at a time, the newest mark). */
  #writing: Promise<void> | undefined;

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
    this.#writing ??= this.#write();
  }

  /** Resolves once the newest mark is on disk. */
  async flush(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
  }

  async #write(): Promise<void> {
    while (this.path !== undefined && this.#last !== undefined && this.#last !== this.#written) {
      const last = this.#last;
      await writeFile(this.path, last).catch(() => undefined);
      this.#written = last;
    }
    this.#writing = undefined;
  }
}
