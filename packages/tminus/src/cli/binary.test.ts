/**
 * The built `tminus` binary (packages/tminus/dist, via bin/tminus.js), spawned with no server
 * running: help, usage errors (exit 2), an unreachable server (exit 1), the operator commands.
 */
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../../../../test/helpers/cli.js';
import { tempDir } from '../../../../test/helpers/temp.js';

const NO_SERVER = {
  TMINUS_BASE_URL: 'http://127.0.0.1:1',
  TMINUS_API_KEY: 'x',
  TMINUS_CONFIG_DIR: '/nonexistent',
};

describe('the tminus binary without a server', () => {
  it('--help lists the commands and how to start', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of [
      'server',
      'up',
      'agent',
      'launch',
      'job',
      'run',
      'queue',
      '--base-url',
      '--api-key',
      '--debug',
    ]) {
      expect(r.stdout).toContain(c);
    }
    expect(r.stdout).toContain('tminus launch -j');
  });

  it('launch --help ends with examples', async () => {
    const r = await runCli(['launch', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--set-var');
    expect(r.stdout).toContain('Examples:');
  });

  it.each([
    [['launch', '--async', '-q', 'x'], 'Cannot use both --async and --queue'],
    [['launch', '-j', 'a/b/c', '--async'], '--async without --queue'],
    [['launch', '-j', 'a/b/c', '-P', 'high'], '--priority flag requires --queue to be set'],
    [
      ['launch', '-j', 'a/b/c', '-q', '-P', 'urgent'],
      '--priority must be one of critical, high, medium, low',
    ],
    [['launch', '-u', '/r', '-j', 'a/b/c'], 'Cannot provide both a uri and a job name.'],
    [['launch', '-j', 'a/b/c', '-b'], 'Build flag requires a queue to be set'],
    [
      ['launch', '-d', 'python:3.12', '-q'],
      'Cannot use --queue and --docker together without a project.',
    ],
    [
      ['launch', '-j', 'a/b/c', '-q', '-B', 'python:3.12'],
      '-B/--base-image is compatible only with -u',
    ],
    [['launch', '-j', 'a/b/c', '-q', '-J', 'x'], '-J/--job-name is compatible only with -u'],
    [
      ['launch', '-u', '/r', '-q', '-B', 'python:3.12', '-d', 'img', '-p', 'p'],
      '-B/--base-image is incompatible with --docker-image.',
    ],
    [['launch', '-j', 'a/b/c', '-D', 'Dockerfile'], '-D/--dockerfile need a container runner'],
    [['launch', '-j', 'a/b/c', '-q', '--set-var', 'oops'], '--set-var value must be in the format'],
    [['launch', '-j', 'a/b/c', '--set-var', 'gpus=2'], '--set-var flag requires --queue to be set'],
    [['launch', '-j', 'a/b/c', '-q', '-c', '{oops'], 'Invalid format for config'],
    [['launch', '-j', 'a/b/c', '-q', '-R', '[1]'], 'Invalid format for resource-args'],
    [['launch', '-j', 'a/b/c', '-q', '-E', `python3 'x`], 'Unterminated'],
    [['launch', '-j', 'not-a-ref', '-q'], 'Invalid job reference'],
    [
      ['agent'],
      'To launch an agent please specify a queue or a list of queues in the configuration file or cli.',
    ],
    [['job', 'create', 'code', '.'], 'Missing -p/--project'],
    [['job', 'create', 'zip', '.', '-p', 'demo'], 'Job type must be git, code or image'],
    [['job', 'create', 'code', '/nonexistent/dir', '-p', 'demo'], 'is not a directory'],
    [['run', 'list', '--state', 'bogus'], '--state must be one of'],
    [['launch', '--no-such-flag'], "unknown option '--no-such-flag'"],
    [['no-such-command'], "unknown command 'no-such-command'"],
    [['run', 'show'], "missing required argument 'id'"],
  ])('usage error %j exits 2 with the message and no stack trace', async (args, message) => {
    const r = await runCli(args, NO_SERVER);
    expect(r.stderr).toContain(message);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a usage error says `error:` and, where there is one, `hint:`', async () => {
    const r = await runCli(['launch', '-j', 'a/b/c', '--async'], NO_SERVER);
    expect(r.stderr).toMatch(/^error: --async without --queue/m);
    expect(r.stderr).toMatch(/^hint: .*--queue/m);
  });

  it('an unreachable server exits 1 with a hint that mentions tminus up', async () => {
    const r = await runCli(['run', 'list', '--base-url', 'http://127.0.0.1:1', '--api-key', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: Could not reach the tminus server at http://127.0.0.1:1');
    expect(r.stderr).toMatch(/^hint: .*tminus up/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--debug and TMINUS_DEBUG=1 add the stack trace', async () => {
    const flag = await runCli(['--debug', 'run', 'list'], NO_SERVER);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/\n\s+at /);
    const env = await runCli(['run', 'list'], { ...NO_SERVER, TMINUS_DEBUG: '1' });
    expect(env.stderr).toMatch(/\n\s+at /);
  });

  it('doctor and migrate check and prepare a data dir; an unreachable database fails doctor with exit 1', async () => {
    const dir = tempDir('doctor');
    const migrated = await runCli(['migrate', '--data-dir', dir.path, '--json']);
    expect(migrated.code).toBe(0);
    expect(JSON.parse(migrated.stdout)).toMatchObject({ migrated: true });
    // Its own CLI config dir: doctor also checks that file, and this machine's is none of its business.
    const healthy = await runCli(['doctor', '--data-dir', dir.path, '--json'], {
      TMINUS_CONFIG_DIR: join(dir.path, 'config'),
    });
    expect(healthy.code).toBe(0);
    expect(JSON.parse(healthy.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ check: 'database', ok: true })]),
    );
    const broken = await runCli([
      'doctor',
      '--data-dir',
      dir.path,
      '--database',
      'postgres://postgres@127.0.0.1:1/none',
    ]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/FAIL\s+database\s+Could not connect to PostgreSQL/);
    dir.remove();
  });
});
