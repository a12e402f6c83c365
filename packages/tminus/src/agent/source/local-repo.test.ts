import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createGitRepo } from '../../../../../test/helpers/git.js';
import { tempDir } from '../../../../../test/helpers/temp.js';
import { localRepoToClone } from './local-repo.js';
import { PrepareError } from '../../runners/prepare-error.js';

let tmp: ReturnType<typeof tempDir>;
/** The allowed directory and a repository in it; another repository outside it. */
let allowed: string;
let inside: string;
let outside: string;

beforeEach(() => {
  tmp = tempDir('local-repo');
  const root = realpathSync(tmp.path);
  allowed = join(root, 'allowed');
  inside = committed(join(allowed, 'inside'));
  outside = committed(join(root, 'elsewhere', 'secret'));
});
afterEach(() => tmp.remove());

function committed(dir: string): string {
  const repo = createGitRepo(dir);
  repo.commit({ 'main.py': 'print(1)\n' });
  return repo.path;
}
function refusal(remote: string, kind: 'local' | 'file' = 'local'): PrepareError {
  let error: unknown;
  try {
    localRepoToClone(remote, kind, [allowed]);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(PrepareError);
  return error as PrepareError;
}

describe('local git repositories an agent may clone', () => {
  it('one under an allowed directory, as a path or a file:// URL, is cloned from its real path', () => {
    expect(localRepoToClone(inside, 'local', [allowed])).toBe(inside);
    expect(localRepoToClone(pathToFileURL(inside).href, 'file', [allowed])).toBe(inside);
    expect(localRepoToClone(`${allowed}/../allowed/inside`, 'local', [allowed])).toBe(inside);
  });

  it('one outside is refused, naming the path and how to allow it', () => {
    const error = refusal(outside);
    expect(error.reason).toBe('local_repo_not_allowed');
    expect(error.message).toBe(
      `The git repository ${outside} is a local path outside the directories this agent may clone from (${allowed}). To allow it, start the agent with --allow-local-repo DIR (launch-config: allow_local_repos: [DIR]) naming a directory that holds it, or give the job an https:// or ssh:// remote`,
    );
    expect(refusal(pathToFileURL(outside).href, 'file').reason).toBe('local_repo_not_allowed');
    expect(refusal(join(allowed, '..', 'elsewhere', 'secret')).reason).toBe(
      'local_repo_not_allowed',
    );
  });

  it('with no allowed directory, every local repository is refused', () => {
    expect(() => localRepoToClone(inside, 'local', [])).toThrow(
      /may clone from \(none\)\. To allow it, start the agent with --allow-local-repo DIR/,
    );
  });

  it('a symlink inside an allowed directory cannot lead out of it', () => {
    symlinkSync(outside, join(allowed, 'link'));
    expect(refusal(join(allowed, 'link')).message).toContain(
      `is a local path (${outside}) outside the directories`,
    );
    // An allowed directory reached through a symlink is compared by its real path too.
    symlinkSync(allowed, join(tmp.path, 'allowed-link'));
    expect(localRepoToClone(join(tmp.path, 'allowed-link', 'inside'), 'local', [allowed])).toBe(
      inside,
    );
  });

  it('nor can a .git file (a worktree) or objects/info/alternates', () => {
    const worktree = join(allowed, 'worktree');
    execFileSync('git', ['-C', outside, 'worktree', 'add', '-q', '--detach', worktree, 'HEAD']);
    expect(refusal(worktree).message).toMatch(
      new RegExp(
        `takes git data from ${outside}/\\.git/worktrees/worktree \\(through a \\.git file`,
      ),
    );

    const borrower = committed(join(allowed, 'borrower'));
    mkdirSync(join(borrower, '.git', 'objects', 'info'), { recursive: true });
    writeFileSync(
      join(borrower, '.git', 'objects', 'info', 'alternates'),
      `${join(outside, '.git', 'objects')}\n`,
    );
    expect(refusal(borrower).message).toContain(
      `takes git data from ${join(outside, '.git', 'objects')}`,
    );
  });

  it('a missing path says it does not exist', () => {
    const error = refusal(join(allowed, 'missing'));
    expect(error.reason).toBe('git_clone');
    expect(error.message).toMatch(/does not exist on the agent's machine$/);
  });

  it('launch() on the caller’s own machine clones any local path', () => {
    expect(localRepoToClone(outside, 'local', 'any')).toBe(outside);
  });
});
