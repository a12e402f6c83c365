import { describe, expect, it } from 'vitest';

import { resourceArgsProblem } from './index.js';
import { localContainerArgs, localContainerArgsProblem } from './local-container.js';

describe('resource_args["local-container"]', () => {
  it.each<[string, Record<string, unknown>, string[], Record<string, string>]>([
    ['nothing', {}, [], {}],
    [
      "W&B's spellings, in a fixed order",
      { shm_size: '1g', '--gpus': 'all', m: '4g', cpus: 2, e: ['A=1', 'B=two=2'] },
      ['--cpus=2', '--gpus=all', '--memory=4g', '--shm-size=1g'],
      { A: '1', B: 'two=2' },
    ],
    [
      'lists for ulimit, a device list for gpus',
      { ulimit: ['nofile=1024:2048', 'nproc=512'], gpus: '"device=0,1"', workdir: '/work dir' },
      [
        '--gpus="device=0,1"',
        '--ulimit=nofile=1024:2048',
        '--ulimit=nproc=512',
        '--workdir=/work dir',
      ],
      {},
    ],
    [
      'an env value with spaces and quotes',
      { env: 'GREETING=hi "there"; $x' },
      [],
      { GREETING: 'hi "there"; $x' },
    ],
  ])('%s', (_name, args, flags, env) => {
    expect(localContainerArgsProblem(args)).toBeUndefined();
    expect(localContainerArgs(args)).toEqual({ flags, env });
  });

  it.each<[Record<string, unknown>, string]>([
    [
      { volume: '/etc:/etc' },
      'resource_args["local-container"].volume is refused: a run sees only',
    ],
    [{ v: '/:/host' }, '.v is refused'],
    [{ privileged: true }, '.privileged is refused'],
    [{ network: 'bridge' }, '.network is refused: containers run on the host network'],
    [{ name: 'x' }, '.name is refused: tminus names each container itself'],
    [{ cpu: 2 }, '.cpu is refused: docker has no --cpu; did you mean cpus?'],
    [
      { 'security-opt': 'seccomp=unconfined' },
      '.security-opt is not an option tminus passes to the container engine; it accepts cpus,',
    ],
    [{ memory: '4g --privileged' }, '.memory must be memory with an optional unit'],
    [{ cpus: true }, '.cpus must be a string or a number; got true'],
    [{ memory: ['1g', '2g'] }, '.memory must be a string or a number; got ["1g","2g"]'],
    [{ env: [] }, '.env must be a string or a non-empty list of strings'],
    [{ env: 'HOME' }, '.env must be NAME=value; "HOME" alone would hand the agent\'s own HOME'],
    [{ env: 'DOCKER_HOST=tcp://evil:2375' }, '.env may not set DOCKER_HOST'],
    [{ env: 'PATH=/tmp' }, '.env may not set PATH'],
    [{ env: '1A=x' }, '.env must be NAME=value'],
    [{ workdir: 'relative' }, '.workdir must be an absolute path'],
    [{ gpus: 'all; rm -rf /' }, '.gpus must be GPUs as docker takes them'],
  ])('refuses %j', (args, message) => {
    expect(localContainerArgsProblem(args)).toContain(message);
  });

  it('is what the server checks for a queue whose resource is local-container', () => {
    expect(resourceArgsProblem('local-container', { gpus: 'all' })).toBeUndefined();
    expect(resourceArgsProblem('local-container', { volume: '/:/x' })).toContain(
      'volume is refused',
    );
  });
});
