/**
 * @module A small code snapshot, read once into memory and written straight into each run's
 * directory: for a typical training script that is a few files, and writing them costs ~1 ms where
 * unpacking the gzipped tar costs ~2.5 ms — on the path from claim to program start (issue 5).
 * Only plain files and directories with safe relative paths qualify; anything else (links, devices,
 * absolute or `..` paths) and anything large goes through node-tar's own extraction, with its checks.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';

import { list } from 'tar';

export interface SnapshotFiles {
  readonly dirs: readonly string[];
  readonly files: readonly {
    readonly path: string;
    readonly mode: number;
    readonly data: Buffer;
  }[];
}

/**
 * Snapshots larger than this (unpacked) or with more entries are not kept in memory. Small enough to
 * be written synchronously (below) without holding up the agent's other runs for long (~1 ms a MiB).
 */
const MAX_BYTES = 2 * 1024 * 1024;
const MAX_ENTRIES = 2_000;

function safePath(path: string): string | undefined {
  const clean = normalize(path).replace(/\/+$/, '');
  if (clean === '' || clean === '.') return '';
  if (isAbsolute(clean) || clean.split('/').includes('..')) return undefined;
  return clean;
}

/** The snapshot's entries, or `undefined` when it does not qualify for the in-memory path. */
export async function readSnapshotFiles(tgz: string): Promise<SnapshotFiles | undefined> {
  const dirs: string[] = [];
  const files: { path: string; mode: number; data: Buffer }[] = [];
  let bytes = 0;
  let qualifies = true;
  await list({
    file: tgz,
    strict: true,
    onReadEntry: (entry) => {
      const path = safePath(entry.path);
      if (
        !qualifies ||
        path === undefined ||
        (entry.type !== 'File' && entry.type !== 'Directory') ||
        dirs.length + files.length >= MAX_ENTRIES
      ) {
        qualifies = false;
        return;
      }
      if (entry.type === 'Directory') {
        if (path !== '') dirs.push(path);
        return;
      }
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => {
        bytes += chunk.byteLength;
        if (bytes > MAX_BYTES) qualifies = false;
        else chunks.push(chunk);
      });
      entry.on('end', () =>
        files.push({ path, mode: (entry.mode ?? 0o644) & 0o777, data: Buffer.concat(chunks) }),
      );
    },
  });
  // No entry at all: not a tar this path can vouch for (node-tar's extraction says what is wrong).
  return qualifies && dirs.length + files.length > 0 ? { dirs, files } : undefined;
}

/**
 * The files under `dir` as a snapshot (a git checkout just made, to write again for the next run of
 * the same commit), or `undefined` when it does not qualify: a link or other special file, or over
 * the same limits as a tar. Paths `leaveOut` says yes to are left out. Synchronous, for the reason
 * `writeSnapshotFiles` is.
 */
export function readDirectoryFiles(
  dir: string,
  leaveOut: (path: string) => boolean = () => false,
): SnapshotFiles | undefined {
  const dirs: string[] = [];
  const files: { path: string; mode: number; data: Buffer }[] = [];
  let bytes = 0;
  const walk = (relative: string): boolean => {
    for (const entry of readdirSync(join(dir, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (leaveOut(path)) continue;
      if (dirs.length + files.length >= MAX_ENTRIES) return false;
      if (entry.isDirectory()) {
        dirs.push(path);
        if (!walk(path)) return false;
      } else if (entry.isFile()) {
        const full = join(dir, path);
        const data = readFileSync(full);
        bytes += data.byteLength;
        if (bytes > MAX_BYTES) return false;
        files.push({ path, mode: lstatSync(full).mode & 0o777, data });
      } else return false;
    }
    return true;
  };
  return walk('') ? { dirs, files } : undefined;
}

/**
 * mkdir of one directory whose parent is usually there already (entries come parent first): a
 * recursive mkdir costs a stat of every ancestor, several times a plain one's CPU.
 */
function makeDir(path: string): void {
  try {
    mkdirSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') mkdirSync(path, { recursive: true });
    else if (code !== 'EEXIST') throw error;
  }
}

/**
 * Writes the snapshot under `dir` (which it creates). Synchronously: each asynchronous call is a round
 * trip through libuv's thread pool (a futex wake and two context switches), which for a few small
 * files cost more of the agent's CPU than the writes themselves (~0.5 ms a run, docs/benchmarks.md).
 */
export function writeSnapshotFiles(snapshot: SnapshotFiles, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const d of snapshot.dirs) makeDir(join(dir, d));
  for (const f of snapshot.files) {
    const target = join(dir, f.path);
    // Modes as tar extraction leaves them: as packed, masked by the umask. An entry may come before
    // its directory's entry, or have none.
    try {
      writeFileSync(target, f.data, { mode: f.mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      mkdirSync(join(target, '..'), { recursive: true });
      writeFileSync(target, f.data, { mode: f.mode });
    }
  }
}
