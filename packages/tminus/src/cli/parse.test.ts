import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { list } from 'tar';
import { describe, expect, it } from 'vitest';

import { runCli } from '../../../../test/helpers/cli.js';
import { tempDir } from '../../../../test/helpers/temp.js';
import { packDirectory } from './pack.js';
import { defaultJobName, parseJsonOrFile, parsePriority, parseSetVars, shellSplit } from './parse.js';

describe('flag parsing', () => {
  it.each([
    ['python3 train.py --lr 0.1', ['python3', 'train.py', '--lr', '0.1']],
    [`python3 "my script.py" 'a b'`, ['python3', 'my script.py', 'a b']],
    ['a\\ b  c', ['a b', 'c']],
    ['x ""', ['x', '']],
  ])('shellSplit(%s)', (text, argv) => {
    expect(shellSplit(text)).toEqual(argv);
  });

  it('--config takes inline JSON, a .json file or a .yaml file, and says what is wrong otherwise', () => {
    const dir = tempDir('cfg');
    writeFileSync(join(dir.path, 'c.json'), '{"overrides":{"run_config":{"lr":1}}}');
    writeFileSync(join(dir.path, 'c.yaml'), 'overrides:\n  run_config:\n    lr: 2\n');
    expect(parseJsonOrFile('{"a":1}', 'config')).toEqual({ a: 1 });
    expect(parseJsonOrFile(join(dir.path, 'c.json'), 'config')).toEqual({ overrides: { run_config: { lr: 1 } } });
    expect(parseJsonOrFile(join(dir.path, 'c.yaml'), 'config')).toEqual({ overrides: { run_config: { lr: 2 } } });
    expect(() => parseJsonOrFile('{lr: 1', 'config')).toThrow('Invalid format for config');
    expect(() => parseJsonOrFile('[1]', 'config')).toThrow('expected a JSON object');
    dir.remove();
  });

  it('--set-var needs exactly one =', () => {
    expect(parseSetVars(['gpus=2', 'tier=large'])).toEqual({ gpus: '2', tier: 'large' });
    expect(() => parseSetVars(['gpus'])).toThrow('--set-var value must be in the format "--set-var key1=value1"');
    expect(() => parseSetVars(['a=b=c'])).toThrow('--set-var value must be in the format');
  });

  it('priorities map as W&B’s CLI does; default job names', () => {
    expect(['critical', 'high', 'medium', 'low'].map(parsePriority)).toEqual([0, 1, 2, 3]);
    expect(() => parsePriority('urgent')).toThrow('critical, high, medium, low');
    expect(defaultJobName('git', 'https://github.com/org/repo.git')).toBe('job-repo');
    expect(defaultJobName('code', './examples/linear-regression/')).toBe('job-linear-regression');
    expect(defaultJobName('image', 'ghcr.io/org/trainer:1.2')).toBe('job-ghcr.io_org_trainer');
  });
});

describe('packDirectory', () => {
  it('is reproducible, sensitive to content, and leaves out .git, node_modules and __pycache__', async () => {
    const dir = tempDir('pack');
    mkdirSync(join(dir.path, 'src'), { recursive: true });
    mkdirSync(join(dir.path, '.git'), { recursive: true });
    mkdirSync(join(dir.path, '__pycache__'), { recursive: true });
    writeFileSync(join(dir.path, 'train.py'), 'print(1)\n');
    writeFileSync(join(dir.path, 'src', 'util.py'), 'x = 1\n');
    writeFileSync(join(dir.path, '.git', 'HEAD'), 'ref\n');
    writeFileSync(join(dir.path, '__pycache__', 'x.pyc'), 'bin');
    const a = await packDirectory(dir.path);
    const b = await packDirectory(dir.path);
    expect(b.digest).toBe(a.digest);
    const entries: string[] = [];
    const tarball = join(dir.path, '..', `${a.digest.slice(7, 15)}.tgz`);
    writeFileSync(tarball, a.bytes);
    await list({ file: tarball, onReadEntry: (e) => entries.push(e.path) });
    expect(entries.sort()).toEqual(['src/util.py', 'train.py']);
    writeFileSync(join(dir.path, 'train.py'), 'print(2)\n');
    expect((await packDirectory(dir.path)).digest).not.toBe(a.digest);
    dir.remove();
  });
});

describe('the tminus binary without a server', () => {
  it('--help lists the commands', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['server', 'up', 'agent', 'launch', 'job', 'run', 'queue']) expect(r.stdout).toContain(c);
  });

  it.each([
    [['launch', '-j', 'a/b/c', '--async', '-q', 'x'], 'Cannot use both --async and --queue'],
    [['launch', '-j', 'a/b/c', '-P', 'high'], '--priority flag requires --queue to be set'],
    [['launch', '-u', '/r', '-j', 'a/b/c'], 'Cannot provide both a uri and a job name.'],
    [['launch', '-j', 'a/b/c', '-q', '--set-var', 'oops'], '--set-var value must be in the format'],
    [['agent'], 'To launch an agent please specify a queue'],
    [['launch', '--no-such-flag'], "unknown option '--no-such-flag'"],
  ])('usage error %j exits 2 with the message', async (args, message) => {
    const r = await runCli(args, { TMINUS_BASE_URL: 'http://127.0.0.1:1', TMINUS_API_KEY: 'x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('doctor and migrate check and prepare a data dir; an unreachable database fails doctor with exit 1', async () => {
    const dir = tempDir('doctor');
    const migrated = await runCli(['migrate', '--data-dir', dir.path, '--json']);
    expect(migrated.code).toBe(0);
    expect(JSON.parse(migrated.stdout)).toMatchObject({ migrated: true });
    const healthy = await runCli(['doctor', '--data-dir', dir.path, '--json']);
    expect(healthy.code).toBe(0);
    expect(JSON.parse(healthy.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ check: 'database', ok: true })]));
    const broken = await runCli(['doctor', '--data-dir', dir.path, '--database', 'postgres://postgres@127.0.0.1:1/none']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/FAIL\s+database\s+Could not connect to PostgreSQL/);
    dir.remove();
  });

  it('an unreachable server exits 1 with a hint that mentions tminus up', async () => {
    const r = await runCli(['run', 'list', '--base-url', 'http://127.0.0.1:1', '--api-key', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Could not reach the tminus server');
    expect(r.stderr).toContain('tminus up');
  });
});
