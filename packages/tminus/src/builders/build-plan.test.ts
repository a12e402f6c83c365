import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { tempDir } from '../../../../test/helpers/temp.js';
import { planBuild } from './build-plan.js';

const tmp = tempDir('build-plan');
afterAll(() => tmp.remove());

let count = 0;
function source(files: Record<string, string>): string {
  const dir = join(tmp.path, `src${count++}`);
  mkdirSync(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('which Dockerfile', () => {
  const all = {
    'train.py': '',
    'Dockerfile.tminus': 'FROM own-tminus',
    'Dockerfile.wandb': 'FROM own-wandb',
    'docker/Custom': 'FROM named',
  };

  it.each([
    [all, 'docker/Custom', 'FROM named', 'docker/Custom'],
    [all, undefined, 'FROM own-tminus', 'Dockerfile.tminus'],
    [{ 'Dockerfile.wandb': 'FROM own-wandb' }, undefined, 'FROM own-wandb', 'Dockerfile.wandb'],
  ])(
    '%#: the one named, else Dockerfile.tminus, else Dockerfile.wandb',
    async (files, named, text, origin) => {
      const dir = source(files);
      const plan = await planBuild({ dir, dockerfile: named }, ['train.py']);
      expect(plan).toMatchObject({
        context: dir,
        contextPath: '.',
        dockerfileText: text,
        dockerfilePath: join(dir, origin),
        baseImage: undefined,
        origin,
      });
    },
  );

  it('else one is generated from the base image, with requirements.txt before pyproject.toml', async () => {
    const dir = source({
      'train.py': '',
      'requirements.txt': 'numpy\n',
      'pyproject.toml': '[project]\ndependencies = ["scipy"]\n',
    });
    const plan = await planBuild({ dir }, ['train.py'], 'tminus-test/python:3');
    expect(plan).toMatchObject({
      dockerfilePath: undefined,
      baseImage: 'tminus-test/python:3',
      origin: 'generated from tminus-test/python:3 and requirements.txt',
    });
    expect(plan.dockerfileText).toContain('FROM tminus-test/python:3\n');
    expect(plan.dockerfileText).toContain('requirements.txt');
    expect(plan.dockerfileText).not.toContain('scipy');
  });

  it('pyproject.toml’s dependencies when there is no requirements.txt; W&B’s base image by default', async () => {
    const dir = source({ 'pyproject.toml': '[project]\ndependencies = ["scipy>=1"]\n' });
    const plan = await planBuild({ dir }, ['train.py']);
    expect(plan.baseImage).toBe('python:3.11-slim');
    expect(plan.dockerfileText).toContain('"pip", "install", "scipy>=1"]');
  });

  it('a build context inside the source: its own Dockerfile and requirements', async () => {
    const dir = source({
      'requirements.txt': 'outer\n',
      'sub/Dockerfile.tminus': 'FROM inner',
    });
    const plan = await planBuild({ dir, buildContext: 'sub/' }, []);
    expect(plan).toMatchObject({
      context: join(dir, 'sub'),
      contextPath: 'sub',
      dockerfileText: 'FROM inner',
    });
  });
});

describe('paths stay inside the source', () => {
  it.each([
    [
      { buildContext: 'missing' },
      /Build context does not exist at "missing"/,
      'build_context_not_found',
    ],
    [{ buildContext: '..' }, /Build context does not exist at "\.\."/, 'build_context_not_found'],
    [
      { buildContext: '/etc' },
      /Build context does not exist at "\/etc"/,
      'build_context_not_found',
    ],
    [{ buildContext: 'train.py' }, /Build context does not exist/, 'build_context_not_found'],
    [{ buildContext: 'out-link' }, /Build context does not exist/, 'build_context_not_found'],
    [
      { dockerfile: 'Nope' },
      /Dockerfile does not exist at "Nope" in the build context "\."/,
      'dockerfile_not_found',
    ],
    [{ dockerfile: '../outside/Dockerfile' }, /Dockerfile does not exist/, 'dockerfile_not_found'],
    [{ dockerfile: '/etc/passwd' }, /Dockerfile does not exist/, 'dockerfile_not_found'],
    [{ dockerfile: 'df-link' }, /Dockerfile does not exist/, 'dockerfile_not_found'],
    [{ dockerfile: 'sub' }, /Dockerfile does not exist/, 'dockerfile_not_found'],
  ])('%j is refused at stage build', async (paths, message, reason) => {
    const outside = source({ Dockerfile: 'FROM secret' });
    const dir = source({ 'train.py': '', 'sub/x': '' });
    symlinkSync(outside, join(dir, 'out-link'));
    symlinkSync(join(outside, 'Dockerfile'), join(dir, 'df-link'));
    const error = await planBuild({ dir, ...paths }, ['train.py']).catch((e: unknown) => e);
    expect(error).toMatchObject({
      stage: 'build',
      reason,
      message: expect.stringMatching(message),
    });
  });
});
