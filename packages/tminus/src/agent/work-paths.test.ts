import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { PrepareError } from '../runners/prepare-error.js';
import { journalFilePath, pathUnder, runDirPath, runIdProblem } from './work-paths.js';

const WORK = '/srv/tminus/runs';

describe('run ids from the server', () => {
  it.each(['abcd1234', 'my-run_01', 'A'.repeat(128)])('%s is used as it is', (id) => {
    expect(runIdProblem(id)).toBeUndefined();
    expect(runDirPath(WORK, id)).toMatch(new RegExp(`^${WORK}/${id}-[0-9a-f]{8}$`));
    expect(journalFilePath(join(WORK, '.journal'), id)).toBe(`${WORK}/.journal/${id}.json`);
  });

  it.each([
    '../../../victim/target',
    '..',
    'a/b',
    '/etc/passwd',
    'nul\u0000byte',
    '',
    'A'.repeat(129),
    'dot.ted',
  ])('%j is refused, named in the message, before any path is made', (id) => {
    expect(runIdProblem(id)).toContain(`The server sent the run id ${JSON.stringify(id)}`);
    for (const make of [() => runDirPath(WORK, id), () => journalFilePath(WORK, id)]) {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PrepareError);
      expect((error as PrepareError).reason).toBe('unsafe_path');
      expect((error as PrepareError).message).toContain(JSON.stringify(id));
    }
  });
});

describe('a name joined under a directory', () => {
  it.each([
    ['x.tgz', `${WORK}/x.tgz`],
    ['..x', `${WORK}/..x`],
    ['a/b', `${WORK}/a/b`],
  ])('%j stays inside: %s', (name, path) => {
    expect(pathUnder(WORK, name)).toBe(path);
  });

  it.each(['..', '../x', 'a/../../x', '/etc/passwd', '', '.'])(
    '%j leads out and is refused',
    (name) => {
      expect(() => pathUnder(WORK, name)).toThrow(
        /leads out of \/srv\/tminus\/runs; the agent refuses it/,
      );
    },
  );
});
