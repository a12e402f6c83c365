import { describe, expect, it } from 'vitest';

import {
  buildCommand,
  imageCommand,
  inspectContainersCommand,
  listContainersCommand,
  listImagesCommand,
  logsCommand,
  removeContainerCommand,
  removeImageCommand,
  runCommand,
  stopCommand,
  tagCommand,
  waitCommand,
} from './argv.js';

describe('run', () => {
  it('renders every option, with environment values kept off the command line', () => {
    const command = runCommand({
      image: '127.0.0.1:5000/jobs:abc',
      name: 'tminus-run-r1',
      labels: { 'tminus.run-id': 'r1', 'tminus.note': 'a = b' },
      env: { TMINUS_RUN_TOKEN: 'secret-token', WANDB_CONFIG: '{"lr":1}' },
      entrypoint: 'python3',
      command: ['train.py', '--lr', '0.1', '$(rm -rf /)'],
      workdir: '/app',
      user: '1000:0',
      network: 'host',
      mounts: [{ source: '/srv/runs/r1', target: '/mnt/tminus', readOnly: true }],
      init: true,
      extraArgs: ['--memory', '2g'],
    });
    expect(command.args).toEqual([
      'run',
      '--detach',
      '--name',
      'tminus-run-r1',
      '--label',
      'tminus.run-id=r1',
      '--label',
      'tminus.note=a = b',
      '--env',
      'TMINUS_RUN_TOKEN',
      '--env',
      'WANDB_CONFIG',
      '--init',
      '--network',
      'host',
      '--workdir',
      '/app',
      '--user',
      '1000:0',
      '--volume',
      '/srv/runs/r1:/mnt/tminus:ro',
      '--entrypoint',
      'python3',
      '--memory',
      '2g',
      '127.0.0.1:5000/jobs:abc',
      'train.py',
      '--lr',
      '0.1',
      '$(rm -rf /)',
    ]);
    expect(command.env).toEqual({ TMINUS_RUN_TOKEN: 'secret-token', WANDB_CONFIG: '{"lr":1}' });
    expect(command.args.join(' ')).not.toContain('secret-token');
  });

  it('is just the image when nothing else is asked', () => {
    expect(runCommand({ image: 'busybox' }).args).toEqual(['run', '--detach', 'busybox']);
  });

  it('an empty entrypoint resets the image’s (Docker’s meaning)', () => {
    expect(runCommand({ image: 'busybox', entrypoint: '' }).args).toContain('--entrypoint');
  });

  it.each([
    [{ image: '--privileged' }, /"--privileged" is not an image reference/],
    [{ image: 'busybox', name: '-d' }, /"-d" is not a container name/],
    [{ image: 'busybox', env: { 'A=B': 'x' } }, /"A=B" is not an environment variable name/],
    [{ image: 'busybox', labels: { k: 'v\nw' } }, /contains a control character/],
    [{ image: 'busybox', mounts: [{ source: '/a,b', target: '/x' }] }, /"," or ":"/],
    [{ image: 'busybox', mounts: [{ source: 'rel', target: '/x' }] }, /not an absolute path/],
    [{ image: 'busybox', network: '--net=host' }, /not a network name/],
    [{ image: 'busybox', user: 'root;id' }, /not a user/],
    [{ image: 'busybox', extraArgs: [''] }, /extra argument is empty/],
  ])('refuses %j', (options, message) => {
    expect(() => runCommand(options)).toThrow(message);
  });

  it('names every bad value at once, as INVALID_ARGUMENT', () => {
    try {
      runCommand({ image: 'Bad Image', name: '/x', env: { '1': 'v' } });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((error as Error).message.split('; ')).toHaveLength(3);
    }
  });
});

describe('build', () => {
  it('renders the Dockerfile, tag, labels, network and context', () => {
    expect(
      buildCommand({
        context: '/work/src',
        dockerfile: '/tmp/b/Dockerfile',
        tag: 'e__p__job:0123abcd',
        labels: { 'tminus.job': 'e/p/job' },
        network: 'none',
      }).args,
    ).toEqual([
      'build',
      '--force-rm',
      '--file',
      '/tmp/b/Dockerfile',
      '--tag',
      'e__p__job:0123abcd',
      '--label',
      'tminus.job=e/p/job',
      '--network',
      'none',
      '/work/src',
    ]);
  });

  it.each([
    [{ context: 'src', dockerfile: '/D', tag: 'x' }, /"src" is not an absolute path/],
    [{ context: '/src', dockerfile: '/D', tag: 'X' }, /"X" is not an image reference/],
  ])('refuses %j', (options, message) => {
    expect(() => buildCommand(options)).toThrow(message);
  });
});

describe('images', () => {
  it.each([
    [imageCommand('inspect', 'python:3'), ['image', 'inspect', 'python:3']],
    [
      imageCommand('inspect', `sha256:${'a'.repeat(64)}`),
      ['image', 'inspect', `sha256:${'a'.repeat(64)}`],
    ],
    [imageCommand('pull', 'r:5000/x:1'), ['pull', 'r:5000/x:1']],
    [imageCommand('push', 'r:5000/x:1'), ['push', 'r:5000/x:1']],
    [tagCommand('a:1', 'r:5000/a:1'), ['tag', 'a:1', 'r:5000/a:1']],
    [removeImageCommand('a:1', false), ['image', 'rm', 'a:1']],
    [removeImageCommand('0123456789ab', true), ['image', 'rm', '--force', '0123456789ab']],
    [
      listImagesCommand({ 'tminus-test.owner': 'f1' }),
      ['images', '--quiet', '--no-trunc', '--filter', 'label=tminus-test.owner=f1'],
    ],
  ])('%#', (command, args) => {
    expect(command.args).toEqual(args);
  });
});

describe('containers', () => {
  it.each([
    [
      listContainersCommand({ a: '1', b: 'x y' }),
      ['ps', '--all', '--quiet', '--no-trunc', '--filter', 'label=a=1', '--filter', 'label=b=x y'],
    ],
    [inspectContainersCommand(['c1', 'c2']), ['container', 'inspect', 'c1', 'c2']],
    [logsCommand('c1'), ['logs', 'c1']],
    [
      logsCommand('c1', { follow: true, timestamps: true, since: '1733300000', tail: 0 }),
      ['logs', '--follow', '--timestamps', '--since', '1733300000', '--tail', '0', 'c1'],
    ],
    [waitCommand('c1'), ['wait', 'c1']],
    [stopCommand('c1', 10), ['stop', '-t', '10', 'c1']],
    [removeContainerCommand('c1', true), ['rm', '--force', '--volumes', 'c1']],
    [removeContainerCommand('c1', false), ['rm', '--volumes', 'c1']],
  ])('%#', (command, args) => {
    expect(command.args).toEqual(args);
  });

  it('a listing needs a label: an empty filter would list every container on the machine', () => {
    expect(() => listContainersCommand({})).toThrow(/at least one label/);
  });

  it.each([
    () => stopCommand('c1', -1),
    () => stopCommand('c1', 1.5),
    () => logsCommand('c1', { tail: -1 }),
    () => logsCommand('c1', { since: '5m' }),
    () => waitCommand('--all'),
  ])('refuses bad values (%#)', (render) => {
    expect(render).toThrow();
  });
});
