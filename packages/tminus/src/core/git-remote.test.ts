import { describe, expect, it } from 'vitest';

import { checkGitRemote } from './git-remote.js';

describe('git remotes tminus fetches from (the server at job creation, the agent before it fetches)', () => {
  it.each([
    ['https://github.com/wandb/examples.git', 'https'],
    ['https://user:token@git.example.com:8443/a/b', 'https'],
    ['ssh://git@github.com/a/b.git', 'ssh'],
    ['ssh://host:2222/a/b', 'ssh'],
    ['git@github.com:a/b.git', 'scp'],
    ['/abs/path/repo', 'local'],
    ['./repo', 'local'],
    ['../repo', 'local'],
    ['~/code/repo', 'local'],
    ['file:///srv/git/repo.git', 'file'],
  ])('accepts %s (%s)', (remote, kind) => {
    expect(checkGitRemote(remote)).toEqual({ ok: true, kind });
  });

  it.each([
    ['-uhack', /must not start with "-"/],
    ['--upload-pack=touch /tmp/pwned', /must not start with "-"/],
    ['ext::sh -c touch% /tmp/pwned', /transport helper/],
    ['file::/tmp/x', /transport helper/],
    ['fd::3', /transport helper/],
    ['ssh://-oProxyCommand=touch /tmp/pwned/x', /starting with "-"/],
    ['ssh://-oProxyCommand=x@host/x', /starting with "-"/],
    ['-oProxyCommand=x@host:a/b', /must not start with "-"/],
    ['git@-oProxyCommand=x:a/b', /starting with "-"/],
    ['http://github.com/a/b', /unauthenticated/],
    ['git://github.com/a/b', /unauthenticated/],
    ['ftp://host/x', /unsupported protocol ftp/],
    ['https:///nohost', /has no host/],
    ['relative/path', /not a remote/],
    ['', /empty git remote/],
    ['https://host/a\nb', /control characters/],
  ])('refuses %s', (remote, problem) => {
    const check = checkGitRemote(remote);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.problem).toMatch(problem);
  });
});
