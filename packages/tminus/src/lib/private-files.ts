/**
 * @module What in a server's data dir must be its owner's alone — the API keys' hashes, every
 * run's config and logs, the uploaded code — made so when the server starts, whatever modes the
 * files had before, and checked by `tminus doctor`:
 * - the data dir itself: 0700;
 * - the SQLite database `tminus.db` and its `-wal`/`-shm`: 0600;
 * - the blobs tree: directories 0700, files 0600;
 * - every other entry at the top (for example `tminus up`'s agent-cache and runs): 0700 / 0600.
 *   Those directories are not walked: they are an agent's working area, private behind them.
 */
import {
  chmodSync,
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  type Stats,
  statSync,
} from 'node:fs';
import { join } from 'node:path';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** Read or write for group or others (execute alone on a directory only lets one pass through). */
const EXPOSING_BITS = 0o066;

export interface PrivatePath {
  readonly path: string;
  readonly isDirectory: boolean;
  /** Permission bits, e.g. 0o644. */
  readonly mode: number;
}

function entry(path: string, stats: Stats): PrivatePath {
  return { path, isDirectory: stats.isDirectory(), mode: stats.mode & 0o7777 };
}

/** Every path below `dir`, without following symlinks (a link's own mode means nothing). */
function walk(dir: string, out: PrivatePath[]): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stats = lstatSync(path);
    if (stats.isSymbolicLink()) continue;
    out.push(entry(path, stats));
    if (stats.isDirectory()) walk(path, out);
  }
}

/** The paths in `dataDir` that must be private, with their modes now; [] when it does not exist. */
export function privatePaths(dataDir: string): PrivatePath[] {
  let root: Stats;
  try {
    root = statSync(dataDir);
  } catch {
    return [];
  }
  const out = [entry(dataDir, root)];
  for (const name of readdirSync(dataDir)) {
    const path = join(dataDir, name);
    const stats = lstatSync(path);
    if (stats.isSymbolicLink()) continue;
    out.push(entry(path, stats));
    if (name === 'blobs' && stats.isDirectory()) walk(path, out);
  }
  return out;
}

/** The mode a path must have. */
export function privateMode(path: PrivatePath): number {
  return path.isDirectory ? DIR_MODE : FILE_MODE;
}

/** Whether group or others may read or write it. */
export function isExposed(path: PrivatePath): boolean {
  return (path.mode & EXPOSING_BITS) !== 0;
}

/** Creates `dataDir` if needed and makes it and what it holds private (see the module comment). */
export function makeDataDirPrivate(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
  for (const path of privatePaths(dataDir)) {
    if ((path.mode & 0o777) !== privateMode(path)) chmodSync(path.path, privateMode(path));
  }
}

/** Creates an empty file at `path` with mode 0600 unless one exists (SQLite takes it as a new database). */
export function createPrivateFile(path: string): void {
  closeSync(openSync(path, 'a', FILE_MODE));
}

/** The paths of `dataDir` that group or others may read or write. */
export function exposedPaths(dataDir: string): PrivatePath[] {
  return privatePaths(dataDir).filter(isExposed);
}

/** The file at `path` when group or others may read or write it; undefined if private or absent. */
export function exposedFile(path: string): PrivatePath | undefined {
  try {
    const found = entry(path, statSync(path));
    return isExposed(found) ? found : undefined;
  } catch {
    return undefined;
  }
}
