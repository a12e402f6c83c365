/**
 * @module Local git repositories (`/…`, `./…`, `~/…`, `file://…`): an agent clones one only from
 * under the directories it was given (`--allow-local-repo`), or anyone who can create a job could
 * have it copy any repository its Unix user can read. Compared by real path, so a symlink inside an
 * allowed directory cannot lead out of it; nor can git's own indirections (a `.git` file, a
 * `commondir`, `objects/info/alternates`), which are followed and checked the same way.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { PrepareError } from '../../runners/prepare-error.js';

/** Real paths of the allowed directories; `any` for `launch()` on the caller's own machine. */
export type LocalRepoDirs = readonly string[] | 'any';

/** The path a local remote names (git does not expand `~`; a shell would have). */
export function localRepoPath(remote: string, kind: 'local' | 'file'): string {
  if (kind === 'file') {
    try {
      return fileURLToPath(remote);
    } catch (error) {
      throw new PrepareError(
        `git remote "${remote}" is not a file:// URL of this machine (${(error as Error).message})`,
        'bad_remote',
      );
    }
  }
  return remote.startsWith('~/') ? join(homedir(), remote.slice(2)) : resolve(remote);
}

function isUnder(path: string, dirs: readonly string[]): boolean {
  return dirs.some((dir) => {
    const rel = relative(dir, path);
    return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
  });
}

function readLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** The directories git reads when it clones the repository at `real`: its git dir, common dir and alternates. */
function gitPlaces(real: string): string[] {
  const dotGit = join(real, '.git');
  let gitDir = real; // a bare repository
  if (existsSync(dotGit)) {
    gitDir = statSync(dotGit).isFile()
      ? resolve(real, (readLines(dotGit)[0] ?? '').replace(/^gitdir:\s*/, ''))
      : dotGit;
  }
  const commonFile = join(gitDir, 'commondir');
  const commonDir = existsSync(commonFile)
    ? resolve(gitDir, readLines(commonFile)[0] ?? '.')
    : gitDir;
  const places = [gitDir, commonDir];
  // Alternates may chain; git follows five levels.
  let objectDirs = [join(commonDir, 'objects')];
  for (let depth = 0; depth < 5 && objectDirs.length > 0; depth++) {
    const next: string[] = [];
    for (const objects of objectDirs) {
      const file = join(objects, 'info', 'alternates');
      if (existsSync(file)) next.push(...readLines(file).map((line) => resolve(objects, line)));
    }
    places.push(...next);
    objectDirs = next;
  }
  return places;
}

function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * What git should clone for the local remote `remote`: its real path, once it (and every place git
 * would read for it) is found under `allowed`. Throws a PrepareError saying how to allow it.
 */
export function localRepoToClone(
  remote: string,
  kind: 'local' | 'file',
  allowed: LocalRepoDirs,
): string {
  const path = localRepoPath(remote, kind);
  if (allowed === 'any') return kind === 'file' ? remote : path;
  const real = realOrUndefined(path);
  if (real === undefined)
    throw new PrepareError(
      `Could not clone git repository ${remote}: ${path} does not exist on the agent's machine`,
      'git_clone',
    );
  const outside = `outside the directories this agent may clone from (${allowed.length > 0 ? allowed.join(', ') : 'none'}). To allow it, start the agent with --allow-local-repo DIR (launch-config: allow_local_repos: [DIR]) naming a directory that holds it, or give the job an https:// or ssh:// remote`;
  if (!isUnder(real, allowed)) {
    const where = real === path ? '' : ` (${real})`;
    throw new PrepareError(
      `The git repository ${remote} is a local path${where} ${outside}`,
      'local_repo_not_allowed',
    );
  }
  for (const place of gitPlaces(real)) {
    const realPlace = realOrUndefined(place) ?? place;
    if (!isUnder(realPlace, allowed))
      throw new PrepareError(
        `The git repository ${remote} takes git data from ${realPlace} (through a .git file, commondir or objects/info/alternates), ${outside}`,
        'local_repo_not_allowed',
      );
  }
  return real;
}
