import { describe, expect, it } from 'vitest';

import { canTransition } from './run-lifecycle.js';
import { checkGitRemote, gitSourceForUri, jobNameForUri } from './uri-job.js';

describe('uri → job', () => {
  it('names the job after the repository and defaults the entry point to main.py', () => {
    expect(jobNameForUri('https://github.com/wandb/examples.git')).toBe('job-examples');
    expect(jobNameForUri('/tmp/my repo/')).toBe('job-my_repo');
    expect(gitSourceForUri('/r', undefined, undefined)).toEqual({
      type: 'git',
      remote: '/r',
      entrypoint: ['main.py'],
    });
  });
  it('a 40-hex version pins a commit; other versions are refs', () => {
    const sha = 'a'.repeat(40);
    expect(gitSourceForUri('/r', sha, ['python3', 't.py'])).toMatchObject({
      commit: sha,
      entrypoint: ['python3', 't.py'],
    });
    expect(gitSourceForUri('/r', 'main', undefined)).toMatchObject({ ref: 'main' });
  });
  it.each([
    ['https://github.com/a/b.git', true],
    ['ssh://git@host/a/b', true],
    ['git@github.com:a/b.git', true],
    ['/abs/path', true],
    ['-uhack', false],
    ['ext::sh -c touch% /tmp/pwned', false],
    ['ftp://host/x', false],
    ['relative/path', false],
  ])('remote %s allowed: %s', (remote, ok) => {
    expect(checkGitRemote(remote) === undefined).toBe(ok);
  });
});

describe('run lifecycle', () => {
  it.each([
    ['starting', 'running', true],
    ['running', 'finished', true],
    ['running', 'stopping', true],
    ['stopping', 'stopped', true],
    ['finished', 'running', false],
    ['failed', 'finished', false],
    ['running', 'running', true],
  ] as const)('%s → %s: %s', (from, to, ok) => {
    expect(canTransition(from, to)).toBe(ok);
  });
});
