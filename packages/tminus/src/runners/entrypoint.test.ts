import { describe, expect, it } from 'vitest';

import type { LaunchSpec } from '@tminus/sdk/protocol';

import { buildArgv, scriptOf } from './entrypoint.js';

describe('argv of a run', () => {
  it.each<[string, LaunchSpec, string[] | undefined, string[] | undefined]>([
    ['job entrypoint main.py runs with python3', {}, ['main.py'], ['python3', 'main.py']],
    [
      'args are appended',
      { overrides: { args: ['--lr', '1'] } },
      ['python3', 't.py'],
      ['python3', 't.py', '--lr', '1'],
    ],
    [
      'entry_point replaces the job’s',
      { overrides: { entry_point: ['bash', 'run.sh'], args: ['x'] } },
      ['main.py'],
      ['bash', 'run.sh', 'x'],
    ],
    [
      'an entry_point .py script gets python3',
      { overrides: { entry_point: ['train.py', '--fast'] } },
      ['main.py'],
      ['python3', 'train.py', '--fast'],
    ],
    [
      'an empty entry_point keeps the job’s',
      { overrides: { entry_point: [] } },
      ['main.py'],
      ['python3', 'main.py'],
    ],
    ['a non-python program is run as is', {}, ['./run.sh', 'a'], ['./run.sh', 'a']],
    ['no entrypoint at all', {}, [], undefined],
    ['no job', {}, undefined, undefined],
  ])('%s', (_name, spec, entry, argv) => {
    expect(buildArgv(spec, entry)).toEqual(argv);
  });
});

describe('the script an argv names', () => {
  it.each<[string[], string | undefined]>([
    [['python3', 'train.py', '--x'], 'train.py'],
    [['/usr/bin/python3.11', 'src/train.py'], 'src/train.py'],
    [['bash', 'run.sh'], 'run.sh'],
    [['./run.sh', 'x'], './run.sh'],
    [['scripts/go'], 'scripts/go'],
    [['python', '-m', 'pkg.train'], undefined],
    [['torchrun', 'train.py'], undefined],
    [['/opt/bin/tool'], undefined],
    [['python3', '/abs/train.py'], undefined],
    [['echo', 'hi'], undefined],
  ])('%j → %s', (argv, script) => {
    expect(scriptOf(argv)).toBe(script);
  });
});
