import { describe, expect, it } from 'vitest';

import { containerState, exitCodeOf, idsOf, imageInfo, inspectArray } from './inspect.js';

/** What docker 20.10 and podman 4.3 print for a container (trimmed to the keys read). */
const dockerExited = {
  Id: 'cb6b5a92',
  Name: '/gifted_archimedes',
  State: {
    Status: 'exited',
    Running: false,
    OOMKilled: false,
    Pid: 0,
    ExitCode: 3,
    Error: '',
    StartedAt: '2026-12-04T16:21:03.753579194Z',
    FinishedAt: '2026-12-04T16:21:03.756046376Z',
  },
  Config: { Image: 'tminus-test/busybox:1', Labels: { a: 'b' } },
};
const podmanCreated = {
  Id: 'b7165f56',
  Name: 'tmx',
  State: {
    OciVersion: '1.0.2-dev',
    Status: 'configured',
    ExitCode: 0,
    OOMKilled: false,
    Error: '',
    StartedAt: '0001-01-01T00:00:00Z',
    FinishedAt: '0001-01-01T00:00:00Z',
  },
  Config: { Image: 'localhost/tminus-test/busybox:1', Labels: null },
};

describe('container state', () => {
  it('reads docker’s exited container', () => {
    expect(containerState(dockerExited)).toEqual({
      id: 'cb6b5a92',
      name: 'gifted_archimedes',
      image: 'tminus-test/busybox:1',
      status: 'exited',
      rawStatus: 'exited',
      exitCode: 3,
      oomKilled: false,
      error: null,
      startedAt: '2026-12-04T16:21:03.753579194Z',
      finishedAt: '2026-12-04T16:21:03.756046376Z',
      labels: { a: 'b' },
    });
  });

  it('reads podman’s container that never started: no exit code, no times, no labels', () => {
    expect(containerState(podmanCreated)).toMatchObject({
      name: 'tmx',
      status: 'created',
      rawStatus: 'configured',
      exitCode: null,
      startedAt: null,
      finishedAt: null,
      labels: {},
    });
  });

  it.each([
    ['created', 'created'],
    ['configured', 'created'],
    ['initialized', 'created'],
    ['running', 'running'],
    ['stopping', 'running'],
    ['paused', 'paused'],
    ['restarting', 'restarting'],
    ['removing', 'removing'],
    ['exited', 'exited'],
    ['stopped', 'exited'],
    ['dead', 'dead'],
    ['something new', 'dead'],
  ])('%s → %s', (raw, status) => {
    const state = containerState({
      ...dockerExited,
      State: { ...dockerExited.State, Status: raw },
    });
    expect(state.status).toBe(status);
    expect(state.exitCode).toBe(status === 'exited' || status === 'dead' ? 3 : null);
  });

  it('an OOM kill and a start error are reported', () => {
    const state = containerState({
      ...dockerExited,
      State: { ...dockerExited.State, ExitCode: 137, OOMKilled: true, Error: 'oom' },
    });
    expect(state).toMatchObject({ exitCode: 137, oomKilled: true, error: 'oom' });
  });

  it('refuses output without an id or state, saying what is missing', () => {
    expect(() => containerState({ Name: 'x' })).toThrow(/Id/);
  });
});

describe('image info', () => {
  it('reads entrypoint, command, labels and tags', () => {
    expect(
      imageInfo({
        Id: 'sha256:ff3d',
        RepoTags: ['tminus-test/python:3'],
        Config: {
          Entrypoint: ['python3', 'train.py'],
          Cmd: null,
          Labels: { 'tminus.job': 'e/p/j' },
          WorkingDir: '/app',
          User: '1000',
        },
      }),
    ).toEqual({
      id: 'sha256:ff3d',
      repoTags: ['tminus-test/python:3'],
      labels: { 'tminus.job': 'e/p/j' },
      entrypoint: ['python3', 'train.py'],
      cmd: null,
      workingDir: '/app',
      user: '1000',
    });
  });

  it('an imported image has no config to speak of', () => {
    expect(imageInfo({ Id: 'x', RepoTags: null, Config: null })).toMatchObject({
      repoTags: [],
      labels: {},
      entrypoint: null,
    });
  });
});

describe('plain outputs', () => {
  it.each([
    ['', []],
    ['[]', []],
    ['[{"Id":"a"}]\n', [{ Id: 'a' }]],
  ])('inspect array of %j', (out, array) => {
    expect(inspectArray(out)).toEqual(array);
  });

  it('wait prints the exit code', () => {
    expect(exitCodeOf('137\n')).toBe(137);
    expect(() => exitCodeOf('')).toThrow(/no exit code/);
  });

  it('ids: one a line, without blanks or repeats', () => {
    expect(idsOf('a\n\nb\na\n')).toEqual(['a', 'b']);
  });
});
