import { describe, expect, it } from 'vitest';

import { canTransition } from './run-lifecycle.js';
import { gitSourceForUri, jobNameForUri } from './uri-job.js';

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
