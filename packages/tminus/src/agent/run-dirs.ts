/**
 * @module How long an agent keeps the directories of runs that have ended: the job's source as the
 * program left it — `./wandb` offline data, checkpoints, outputs — stays on disk (its path is the
 * run's `runDir`, shown by `tminus run show`) until the agent's retention removes it: when it is
 * older than the maximum age, or, oldest first, while the ended runs' directories together pass the
 * disk budget. The agent applies it at start and each time a run ends.
 *
 * A run's end is recorded beside its directory, in the work dir the agent owns
 * (`<workDir>/<runId>-<hex>.ended`: the end time as its mtime, the directory's size at the end), so
 * that a directory still in use — this agent's or another's sharing the work dir — is never
 * removed, and a program cannot mark its own directory for removal. The records are read once, at
 * the first sweep (those of earlier agents too), then kept in memory: a sweep costs no disk reads.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { lstat, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface RunDirPolicy {
  /** Ended runs' directories older than this are removed; 0: at once. */
  readonly maxAgeMs: number;
  /** The ended runs' directories may take this many bytes together; the oldest go first. */
  readonly maxBytes: number;
}

/** One week, 20 GiB. */
export const DEFAULT_RUN_DIR_POLICY: RunDirPolicy = {
  maxAgeMs: 7 * 24 * 3_600_000,
  maxBytes: 20 * 1024 ** 3,
};

export interface EndedRunDir {
  readonly path: string;
  /** When its run ended (ms since the epoch). */
  readonly endedAt: number;
  readonly bytes: number;
}

/** The directories to remove (pure): those past the age, then the oldest until the rest fit the budget. */
export function runDirsToRemove(
  dirs: readonly EndedRunDir[],
  policy: RunDirPolicy,
  now: number,
): string[] {
  // Newest first; of two that ended in the same millisecond, the later in `dirs`.
  const newestFirst = dirs
    .map((dir, index) => ({ dir, index }))
    .sort((a, b) => b.dir.endedAt - a.dir.endedAt || b.index - a.index)
    .map(({ dir }) => dir);
  const remove: string[] = [];
  let kept = 0;
  let full = false;
  for (const dir of newestFirst) {
    // Once one does not fit, every older one goes too: the oldest go first.
    full ||= kept + dir.bytes > policy.maxBytes;
    if (full || now - dir.endedAt >= policy.maxAgeMs) remove.push(dir.path);
    else kept += dir.bytes;
  }
  return remove.reverse();
}

/**
 * Entries of a run's directory measured synchronously before the walk goes on asynchronously: a
 * usual run leaves a few dozen (a git checkout's `.git` included), and each asynchronous call is a
 * round trip through libuv's thread pool costing more CPU than the call itself (snapshot-files.ts);
 * one that left 100,000 files must not hold up the agent's other runs meanwhile.
 */
const SYNC_ENTRIES = 500;

/** Bytes of the files under `path` (symbolic links are not followed). */
async function sizeOf(path: string, budget = { entries: SYNC_ENTRIES }): Promise<number> {
  const sync = budget.entries-- > 0;
  const info = sync
    ? lstatSync(path, { throwIfNoEntry: false })
    : await lstat(path).catch(() => undefined);
  if (info === undefined) return 0;
  if (!info.isDirectory()) return info.size;
  let names: string[] = [];
  try {
    names = sync ? readdirSync(path) : await readdir(path);
  } catch {
    // Gone or unreadable meanwhile: nothing to count.
  }
  let total = 0;
  for (const name of names) total += await sizeOf(join(path, name), budget);
  return total;
}

const ENDED = '.ended';
const RUN_DIR_NAME = /^[A-Za-z0-9_-]+-[0-9a-f]{8}$/;

export class RunDirRetention {
  #sweeping: Promise<unknown> = Promise.resolve();
  /** The ended runs' directories, in the order they ended: read from disk once, then kept here. */
  #ended: Map<string, EndedRunDir> | undefined;

  constructor(
    private readonly workDir: string,
    private readonly policy: RunDirPolicy,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /** A run has ended: its directory is kept, recorded as ended now, and the retention applied. */
  ended(dir: string, now = Date.now()): Promise<string[]> {
    return this.#serially(async () => {
      const ended = await this.#load();
      const bytes = await sizeOf(dir);
      await writeFile(`${dir}${ENDED}`, JSON.stringify({ bytes }), { mode: 0o600 });
      ended.set(dir, { path: dir, endedAt: now, bytes });
      return this.#apply(now);
    });
  }

  /** Removes the ended runs' directories the policy no longer keeps; returns their paths. */
  sweep(now = Date.now()): Promise<string[]> {
    return this.#serially(async () => {
      await this.#load();
      return this.#apply(now);
    });
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#sweeping.then(work);
    this.#sweeping = next.catch(() => undefined);
    return next;
  }

  /** The records on disk (left by earlier agents too), oldest first. */
  async #load(): Promise<Map<string, EndedRunDir>> {
    if (this.#ended !== undefined) return this.#ended;
    const found: EndedRunDir[] = [];
    for (const name of await readdir(this.workDir).catch(() => [])) {
      if (!name.endsWith(ENDED) || !RUN_DIR_NAME.test(name.slice(0, -ENDED.length))) continue;
      const marker = join(this.workDir, name);
      const info = await stat(marker).catch(() => undefined);
      if (info === undefined) continue;
      const recorded = await readFile(marker, 'utf8')
        .then((text) => Number((JSON.parse(text) as { bytes?: unknown }).bytes))
        .catch(() => NaN);
      const path = marker.slice(0, -ENDED.length);
      const bytes = Number.isFinite(recorded) ? recorded : await sizeOf(path);
      found.push({ path, endedAt: info.mtimeMs, bytes });
    }
    found.sort((a, b) => a.endedAt - b.endedAt);
    return (this.#ended = new Map(found.map((dir) => [dir.path, dir])));
  }

  async #apply(now: number): Promise<string[]> {
    const ended = this.#ended ?? new Map<string, EndedRunDir>();
    const remove = runDirsToRemove([...ended.values()], this.policy, now);
    for (const path of remove) {
      await rm(path, { recursive: true, force: true });
      await rm(`${path}${ENDED}`, { force: true });
      ended.delete(path);
      this.log(`removed the directory of an ended run: ${path}`);
    }
    return remove;
  }
}
