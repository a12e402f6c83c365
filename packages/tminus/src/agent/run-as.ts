/**
 * @module `--run-as USER`: runs execute as another Unix user, so that a program cannot read what
 * the agent's own user can — its API key (`~/.config/tminus/config.json`), a SQLite database, its
 * caches, other users' files. Checked once when the agent starts (it must be root to switch users,
 * the user must exist, and must be able to reach the work dir); each run's directory is then handed
 * to that user, and nothing else of the agent's is.
 */
import { chmodSync, lchownSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { LaunchError } from '@tminus/sdk';

import { execFileText } from '../lib/exec-file.js';
import { commandLine } from '../runners/local-process/spec.js';
import { lookUpUnixUser, type UnixUser } from '../runners/local-process/unix-user.js';

/**
 * Where runs go with `--run-as` and no `--work-dir`: every parent directory must let the run user
 * pass, which an agent's home (`/root` is 0700) and its data dir (kept 0700) do not.
 */
export const RUN_AS_WORK_DIR = '/var/lib/tminus/runs';

/** Printed when an agent running as root has no `--run-as`. */
export const ROOT_WARNING =
  "warning: this agent runs as root and has no --run-as, so every run executes as root: a program can read and change anything on this machine, including this agent's API key (~/.config/tminus/config.json), the server's database and other runs' files. Start the agent with --run-as USER (an unprivileged account, e.g. `useradd --system --create-home tminus-run`) to run programs as that user.";

function refuse(message: string, hint?: string): LaunchError {
  return new LaunchError('INVALID_ARGUMENT', message, hint === undefined ? {} : { hint });
}

/** Whether `user` can enter `dir` (all its parents included), asked of the kernel as that user. */
async function canEnter(user: UnixUser, dir: string): Promise<boolean> {
  const [command, ...args] = commandLine({ argv: ['test', '-x', dir], env: {}, user });
  return execFileText(command, args).then(
    () => true,
    () => false,
  );
}

/** The outermost directory on the way to `dir` that `user` cannot enter. */
async function firstBlocked(user: UnixUser, dir: string): Promise<string> {
  const chain: string[] = [];
  for (let d = dir; d !== dirname(d); d = dirname(d)) chain.unshift(d);
  for (const d of chain) if (!(await canEnter(user, d))) return d;
  return dir;
}

/**
 * The user runs execute as, checked: undefined when it is the agent's own user (nothing to
 * switch). Creates `workDir` (0711: the run user may pass through it to its run's directory but
 * not list the others) and throws a LaunchError saying what to change when runs could not work.
 */
export async function prepareRunAs(name: string, workDir: string): Promise<UnixUser | undefined> {
  const user = await lookUpUnixUser(name);
  if (user === undefined)
    throw refuse(
      `--run-as ${name}: there is no user "${name}" on this machine (getent passwd ${name} found nothing)`,
      `Create one for runs, e.g. \`useradd --system --create-home ${name}\`, or name an existing user.`,
    );
  const agentUid = process.getuid?.();
  if (user.uid === agentUid) return undefined;
  if (agentUid !== 0)
    throw refuse(
      `--run-as ${name}: this agent runs as uid ${agentUid}, not root, so it cannot start programs as another user`,
      'Start the agent as root (e.g. a systemd unit or sudo) to use --run-as, or leave --run-as out to run programs as the agent’s own user.',
    );
  await execFileText('setpriv', ['--version']).catch(() => {
    throw refuse(
      `--run-as ${name}: setpriv (util-linux) is not installed; the agent uses it to start programs as ${name} with ${name}'s groups`,
      'Install util-linux (apt-get install util-linux, dnf install util-linux, apk add setpriv).',
    );
  });
  mkdirSync(workDir, { recursive: true, mode: 0o711 });
  const owner = lstatSync(workDir).uid;
  // A work dir the run user (or anyone else) owned could have its runs' directories swapped for links.
  if (owner !== agentUid)
    throw refuse(
      `--run-as ${name}: the work dir ${workDir} belongs to uid ${owner}, not to the agent (root)`,
      `Pass --work-dir DIR naming a directory root owns, or a new one (e.g. --work-dir ${RUN_AS_WORK_DIR}).`,
    );
  chmodSync(workDir, 0o711);
  if (!(await canEnter(user, workDir))) {
    const blocked = await firstBlocked(user, workDir);
    throw refuse(
      `--run-as ${name}: runs could not reach their directories in ${workDir}, because ${name} cannot enter ${blocked}`,
      `Pass --work-dir DIR on a path whose every directory ${name} may enter (e.g. --work-dir ${RUN_AS_WORK_DIR}).`,
    );
  }
  return user;
}

/**
 * Gives `dir` (a run's directory: its source and config file) to `user`. Links are re-owned, never
 * followed; set-user-ID and set-group-ID bits are cleared, so the source cannot carry them.
 */
export function handOver(dir: string, user: UnixUser): void {
  const give = (path: string) => {
    const stats = lstatSync(path);
    lchownSync(path, user.uid, user.gid);
    if (stats.isSymbolicLink()) return;
    if (stats.mode & 0o6000) chmodSync(path, stats.mode & 0o1777);
    if (stats.isDirectory()) for (const name of readdirSync(path)) give(join(path, name));
  };
  give(dir);
}
