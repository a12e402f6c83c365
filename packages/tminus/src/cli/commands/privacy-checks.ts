/**
 * @module `tminus doctor`'s checks that what holds secrets is its owner's alone: the data dir (as
 * lib/private-files.ts defines it) and the CLI config file. Each returns the "ok" detail or throws
 * with what is exposed and the chmod that fixes it.
 */
import {
  exposedFile,
  exposedPaths,
  type PrivatePath,
  privateMode,
} from '../../lib/private-files.js';

/** Listed one by one up to this many; beyond, one recursive chmod fixes them all. */
const LISTED = 5;

function quote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

function describe(path: PrivatePath): string {
  return `${path.path} (mode ${path.mode.toString(8)})`;
}

function chmod(path: PrivatePath): string {
  return `chmod ${privateMode(path).toString(8)} ${quote(path.path)}`;
}

export function privateDataDir(dir: string): string {
  const exposed = exposedPaths(dir);
  if (exposed.length === 0) return `${dir}: nothing in it is readable or writable by group/others`;
  const listed = exposed.slice(0, LISTED).map(describe).join(', ');
  const more = exposed.length > LISTED ? ` and ${exposed.length - LISTED} more` : '';
  const fix =
    exposed.length > LISTED ? `chmod -R go-rwx ${quote(dir)}` : exposed.map(chmod).join(' && ');
  throw new Error(
    `readable or writable by group/others: ${listed}${more}. Fix: ${fix} (tminus server does this when it starts)`,
  );
}

export function privateCliConfig(path: string): string {
  const exposed = exposedFile(path);
  if (exposed === undefined) return `${path}: not readable or writable by group/others (or absent)`;
  throw new Error(
    `${describe(exposed)} holds an API key and is readable or writable by group/others. Fix: ${chmod(exposed)}`,
  );
}
