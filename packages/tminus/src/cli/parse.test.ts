import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { tempDir } from '../../../../test/helpers/temp.js';
import {
  defaultJobName,
  parseJsonOrFile,
  parsePriority,
  parseSetVars,
  shellSplit,
} from './parse.js';

const dir = tempDir('cfg');
afterAll(() => dir.remove());

describe('-E/--entry-point: shellSplit', () => {
  it.each([
    ['python3 train.py --lr 0.1', ['python3', 'train.py', '--lr', '0.1']],
    ['  python3   train.py  ', ['python3', 'train.py']],
    [`python3 "my script.py" 'a b'`, ['python3', 'my script.py', 'a b']],
    [`python3 -c 'print("hi")'`, ['python3', '-c', 'print("hi")']],
    [`echo "it's"`, ['echo', "it's"]],
    ['a\\ b  c', ['a b', 'c']],
    ['x ""', ['x', '']],
    ['--flag=a"b c"d', ['--flag=ab cd']],
    ['', []],
  ])('shellSplit(%j)', (text, argv) => {
    expect(shellSplit(text)).toEqual(argv);
  });

  it('rejects an unterminated quote', () => {
    expect(() => shellSplit(`python3 'train.py`)).toThrow("Unterminated ' quote");
  });
});

describe('-c/--config and -R/--resource-args: parseJsonOrFile', () => {
  writeFileSync(join(dir.path, 'c.json'), '{"overrides":{"run_config":{"lr":1}}}');
  writeFileSync(join(dir.path, 'c.yaml'), 'overrides:\n  run_config:\n    lr: 2\n');
  writeFileSync(join(dir.path, 'c.yml'), 'resource: local-process\n');
  writeFileSync(join(dir.path, 'bad.json'), '{"a":');
  writeFileSync(join(dir.path, 'list.yaml'), '- a\n- b\n');

  it.each([
    [
      'inline JSON',
      '{"overrides":{"run_config":{"lr":0.1}}}',
      { overrides: { run_config: { lr: 0.1 } } },
    ],
    ['a .json file', join(dir.path, 'c.json'), { overrides: { run_config: { lr: 1 } } }],
    ['a .yaml file', join(dir.path, 'c.yaml'), { overrides: { run_config: { lr: 2 } } }],
    ['a .yml file', join(dir.path, 'c.yml'), { resource: 'local-process' }],
  ])('reads %s', (_what, value, expected) => {
    expect(parseJsonOrFile(value, 'config')).toEqual(expected);
  });

  it.each([
    ['not JSON', '{lr: 1', 'Invalid format for config'],
    ['a missing file', join(dir.path, 'missing.yaml'), 'Invalid format for config'],
    ['a broken .json file', join(dir.path, 'bad.json'), 'Invalid format for config'],
    ['a JSON array', '[1]', 'Invalid format for config: expected a JSON object'],
    ['a YAML list', join(dir.path, 'list.yaml'), 'expected a JSON object'],
    ['a JSON string', '"x"', 'expected a JSON object'],
  ])('rejects %s', (_what, value, message) => {
    expect(() => parseJsonOrFile(value, 'config')).toThrow(message);
  });

  it('names the flag in the message', () => {
    expect(() => parseJsonOrFile('nope', 'resource-args')).toThrow(
      'Invalid format for resource-args',
    );
  });
});

describe('--set-var: parseSetVars', () => {
  it('collects key=value pairs, later ones winning', () => {
    expect(parseSetVars(['gpus=2', 'tier=large', 'gpus=4', 'empty='])).toEqual({
      gpus: '4',
      tier: 'large',
      empty: '',
    });
  });

  it.each([['gpus'], ['a=b=c'], ['=2']])('rejects %j with W&B’s message', (value) => {
    expect(() => parseSetVars([value])).toThrow(
      `--set-var value must be in the format "--set-var key1=value1", instead got: ${value}`,
    );
  });
});

describe('-P/--priority: parsePriority', () => {
  it.each([
    ['critical', 0],
    ['high', 1],
    ['medium', 2],
    ['low', 3],
  ])('%s → %i (lower runs first)', (name, level) => {
    expect(parsePriority(name)).toBe(level);
  });

  it.each([['urgent'], ['HIGH'], ['1']])('rejects %j', (name) => {
    expect(() => parsePriority(name)).toThrow(
      '--priority must be one of critical, high, medium, low',
    );
  });
});

describe('default job names', () => {
  mkdirSync(join(dir.path, 'my-project'));

  it.each([
    ['git', 'https://github.com/org/repo.git', false, 'job-repo'],
    ['git', 'https://github.com/org/repo/', false, 'job-repo'],
    ['git', 'git@github.com:org/trainer.git', false, 'job-trainer'],
    ['git', join(dir.path, 'my-project'), true, 'job-my-project'],
    ['code', './examples/linear-regression/', true, 'job-linear-regression'],
    ['code', join(dir.path, 'my-project', '.'), true, 'job-my-project'],
    ['code', '.', true, `job-${basename(process.cwd())}`],
    ['image', 'ghcr.io/org/trainer:1.2', false, 'job-ghcr.io_org_trainer'],
    ['image', 'localhost:5000/trainer', false, 'job-localhost_5000_trainer'],
    ['image', 'python:3.12-slim', false, 'job-python'],
    ['image', `org/trainer@sha256:${'a'.repeat(64)}`, false, 'job-org_trainer'],
  ] as const)('%s %s → %s', (kind, path, isLocal, name) => {
    expect(defaultJobName(kind, path, isLocal)).toBe(name);
  });

  it('stays within the 64-character name limit', () => {
    expect(defaultJobName('image', `registry.example.com/${'x'.repeat(100)}:1`)).toHaveLength(64);
  });
});
