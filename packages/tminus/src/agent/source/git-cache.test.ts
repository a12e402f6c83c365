import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { GitSource } from '@tminus/sdk/protocol';

import { createGitRepo } from '../../../../../test/helpers/git.js';
import { tempDir } from '../../../../../test/helpers/temp.js';
import { gitMirrorPath, prepareGitSource } from './git-cache.js';
import { PrepareError } from '../../runners/prepare-error.js';

// Every git process this file's code starts goes through a wrapper on PATH that logs its arguments,
// so that a test can tell a checkout made without git (the agent reads PATH once, at its first git).
const wrapper = tempDir('git-wrapper');
const gitLog = join(wrapper.path, 'calls.log');
const realPath = process.env.PATH;
beforeAll(() => {
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  writeFileSync(
    join(wrapper.path, 'git'),
    `#!/bin/sh\necho "$*" >> '${gitLog}'\nexec '${real}' "$@"\n`,
    { mode: 0o755 },
  );
  process.env.PATH = `${wrapper.path}:${realPath}`;
});
afterAll(() => {
  process.env.PATH = realPath;
  wrapper.remove();
});
/** The git commands started since the last call. */
function gitCalls(): string[] {
  const calls = existsSync(gitLog) ? readFileSync(gitLog, 'utf8').split('\n').filter(Boolean) : [];
  writeFileSync(gitLog, '');
  return calls;
}

let tmp: ReturnType<typeof tempDir>;
let repo: ReturnType<typeof createGitRepo>;
let first: string;
let second: string;
let runs = 0;

beforeEach(() => {
  tmp = tempDir('git-cache');
  repo = createGitRepo(join(tmp.path, 'origin'));
  first = repo.commit({ 'main.py': 'print("v1")\n' }, 'first');
  second = repo.commit({ 'main.py': 'print("v2")\n' }, 'second');
});
afterEach(() => tmp.remove());

const cacheDir = () => join(tmp.path, 'cache');
const source = (extra: Partial<GitSource> = {}): GitSource => ({
  type: 'git',
  remote: repo.path,
  entrypoint: ['main.py'],
  ...extra,
});
/** Prepares into a fresh run directory; returns the checkout and its main.py. */
async function checkout(src: GitSource, version?: string) {
  const dir = join(tmp.path, 'runs', String(runs++));
  const result = await prepareGitSource(src, version, cacheDir(), dir, { localRepos: [tmp.path] });
  return { ...result, dir, main: readFileSync(join(dir, 'main.py'), 'utf8') };
}
async function failure(promise: Promise<unknown>): Promise<PrepareError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PrepareError);
  return error as PrepareError;
}

describe('git source preparation', () => {
  it('checks out each pinned commit with its own content', async () => {
    expect(await checkout(source({ commit: first }))).toMatchObject({
      commit: first,
      main: 'print("v1")\n',
    });
    expect(await checkout(source({ commit: second }))).toMatchObject({
      commit: second,
      main: 'print("v2")\n',
    });
  });

  it('the run’s git.version wins over the job’s commit', async () => {
    expect(await checkout(source({ commit: second }), first)).toMatchObject({
      commit: first,
      main: 'print("v1")\n',
    });
  });

  it('without any ref takes the remote’s HEAD', async () => {
    expect(await checkout(source())).toMatchObject({ commit: second, main: 'print("v2")\n' });
  });

  it('follows a branch as it moves, and resolves tags and short hashes', async () => {
    repo.git('checkout', '-q', '-b', 'feature');
    const f1 = repo.commit({ 'main.py': 'print("f1")\n' });
    repo.git('tag', 'v1.0', first);
    expect(await checkout(source({ ref: 'feature' }))).toMatchObject({
      commit: f1,
      main: 'print("f1")\n',
    });
    const f2 = repo.commit({ 'main.py': 'print("f2")\n' });
    expect(await checkout(source({ ref: 'feature' }))).toMatchObject({
      commit: f2,
      main: 'print("f2")\n',
      fetched: true,
    });
    expect(await checkout(source(), 'v1.0')).toMatchObject({ commit: first });
    expect(await checkout(source(), second.slice(0, 10))).toMatchObject({ commit: second });
  });

  it('falls back to main, then master, when the remote’s HEAD names no branch', async () => {
    repo.git('branch', '-m', 'main', 'master');
    repo.git('symbolic-ref', 'HEAD', 'refs/heads/gone');
    expect(await checkout(source())).toMatchObject({ commit: second });
  });

  it('a bad ref says what to fix', async () => {
    const error = await failure(checkout(source({ ref: 'nope' })));
    expect(error.reason).toBe('git_ref');
    expect(error.message).toBe(
      `Could not find git ref "nope" in ${repo.path}: check the commit, branch or tag (-g/--git-version, version=)`,
    );
    expect((await failure(checkout(source(), 'f'.repeat(40)))).reason).toBe('git_ref');
    expect((await failure(checkout(source(), '--upload-pack=touch x'))).message).toMatch(
      /cannot start with "-"/,
    );
  });

  it('does not fetch again for a commit already in the cache', async () => {
    expect(await checkout(source({ commit: first }))).toMatchObject({ fetched: true }); // the first clone
    const fetchHead = join(gitMirrorPath(cacheDir(), repo.path), 'FETCH_HEAD');
    expect(await checkout(source({ commit: second }))).toMatchObject({ fetched: false });
    expect(existsSync(fetchHead)).toBe(false);
    // A commit made after the clone is fetched once, then served from the cache.
    const third = repo.commit({ 'main.py': 'print("v3")\n' });
    expect(await checkout(source({ commit: third }))).toMatchObject({
      fetched: true,
      main: 'print("v3")\n',
    });
    const fetchedAt = statSync(fetchHead).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    expect(await checkout(source({ commit: third }))).toMatchObject({ fetched: false });
    expect(statSync(fetchHead).mtimeMs).toBe(fetchedAt);
  });

  it('a pinned commit run before is written from memory: no git process, the same working checkout', async () => {
    const before = await checkout(source({ commit: second }));
    // What the first run's program does to its checkout is not the next run's business.
    writeFileSync(join(before.dir, 'main.py'), 'print("changed by the run")\n');
    gitCalls();
    const again = await checkout(source({ commit: second }));
    expect(gitCalls()).toEqual([]);
    expect(again).toMatchObject({ commit: second, fetched: false, main: 'print("v2")\n' });
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', again.dir, ...args], { encoding: 'utf8' }).trim();
    expect(git('rev-parse', 'HEAD')).toBe(second);
    expect(git('status', '--porcelain')).toBe('');
    expect(git('remote', 'get-url', 'origin')).toBe(repo.path);
    expect(git('log', '--format=%s')).toBe('second\nfirst');
    // A branch may have moved since: it is asked of git every time.
    gitCalls();
    await checkout(source({ ref: 'main' }));
    await checkout(source({ ref: 'main' }));
    expect(gitCalls().filter((call) => call.includes(' fetch '))).toHaveLength(2);
  });

  it('prepares runs of one remote concurrently from a single clone', async () => {
    const results = await Promise.all(
      [first, second, first, second].map((commit) => checkout(source({ commit }))),
    );
    expect(results.map((r) => r.main)).toEqual([
      'print("v1")\n',
      'print("v2")\n',
      'print("v1")\n',
      'print("v2")\n',
    ]);
    expect(results.filter((r) => r.fetched)).toHaveLength(1);
  });

  it('shows the program the job’s remote as origin and the commit detached', async () => {
    const { dir } = await checkout(source({ commit: first }));
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();
    expect(git('remote', 'get-url', 'origin')).toBe(repo.path);
    expect(git('rev-parse', 'HEAD')).toBe(first);
    expect(git('status', '--porcelain')).toBe('');
  });

  it('checks out submodules, nested ones too, at the commits the superproject records', async () => {
    const leaf = createGitRepo(join(tmp.path, 'leaf'));
    leaf.commit({ 'leaf.txt': 'leaf v1\n' });
    const lib = createGitRepo(join(tmp.path, 'lib'));
    lib.commit({ 'lib.py': 'X = 1\n' });
    lib.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', '../leaf', 'leaf');
    lib.commit({}, 'add leaf');
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', '../lib', 'vendor/lib');
    const withLib = repo.commit({}, 'add lib');
    leaf.commit({ 'leaf.txt': 'leaf v2\n' }); // not recorded by lib: the run must not see it
    // The second run of the commit gets the same, whether its checkout is kept in memory or not.
    for (let run = 0; run < 2; run++) {
      const { dir } = await checkout(source({ commit: withLib }));
      expect(readFileSync(join(dir, 'vendor/lib/lib.py'), 'utf8')).toBe('X = 1\n');
      expect(readFileSync(join(dir, 'vendor/lib/leaf/leaf.txt'), 'utf8')).toBe('leaf v1\n');
      const status = execFileSync('git', ['-C', dir, 'submodule', 'status', '--recursive'], {
        encoding: 'utf8',
      });
      // A leading '-' (not checked out) or '+' (another commit) would mean a broken checkout.
      expect(
        status
          .split('\n')
          .filter(Boolean)
          .map((l) => l[0]),
      ).toEqual([' ', ' ']);
    }
  });

  it('refuses a submodule whose remote the agent may not fetch, before fetching it', async () => {
    const outside = tempDir('git-cache-outside');
    try {
      const lib = createGitRepo(join(outside.path, 'lib'));
      lib.commit({ 'lib.py': 'X = 1\n' });
      repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', lib.path, 'lib');
      const withLib = repo.commit({}, 'add lib');
      const error = await failure(checkout(source({ commit: withLib })));
      expect(error.reason).toBe('local_repo_not_allowed');
      expect(error.message).toContain(`The git repository ${lib.path} is a local path`);
      repo.git('config', '-f', '.gitmodules', 'submodule.lib.url', 'http://example.com/lib.git');
      const plain = repo.commit({}, 'plain http');
      expect((await failure(checkout(source({ commit: plain })))).message).toMatch(
        /^Submodule lib: git remote "http:\/\/example.com\/lib.git" uses http:\/\//,
      );
    } finally {
      outside.remove();
    }
  });

  it('refuses a remote that could run commands before running git', async () => {
    const error = await failure(checkout(source({ remote: 'ext::sh -c touch% /tmp/pwned' })));
    expect(error.reason).toBe('bad_remote');
    expect(existsSync(join(cacheDir(), 'git'))).toBe(false);
  });

  it('says so when the remote cannot be cloned, and leaves no half-made cache', async () => {
    const error = await failure(checkout(source({ remote: join(tmp.path, 'missing') })));
    expect(error.reason).toBe('git_clone');
    expect(error.message).toMatch(/^Could not clone git repository .*missing/);
    expect(existsSync(gitMirrorPath(cacheDir(), join(tmp.path, 'missing')))).toBe(false);
  });
});
