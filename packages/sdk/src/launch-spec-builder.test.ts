import { describe, expect, it } from 'vitest';

import { LaunchError } from './errors.js';
import { buildLaunchSpec } from './launch-spec-builder.js';
import { parseJobRef } from './protocol/job-ref.js';

describe('buildLaunchSpec (W&B construct_launch_spec precedence)', () => {
  it('explicit project/entity win over config, config over derived', () => {
    expect(buildLaunchSpec({ job: 'e/p/n:latest' }).project).toBe('p');
    expect(buildLaunchSpec({ job: 'e/p/n:latest', config: { project: 'c' } }).project).toBe('c');
    expect(
      buildLaunchSpec({ job: 'e/p/n:latest', config: { project: 'c' }, project: 'x' }).project,
    ).toBe('x');
    expect(buildLaunchSpec({ job: 'e/p/n', config: { entity: 'ce' } }).entity).toBe('ce');
    expect(buildLaunchSpec({ uri: 'https://host/org/examples.git' }).project).toBe('examples');
  });

  it('the config resource wins over the argument', () => {
    expect(
      buildLaunchSpec({
        job: 'e/p/n',
        resource: 'kubernetes',
        config: { resource: 'local-process' },
      }).resource,
    ).toBe('local-process');
    expect(buildLaunchSpec({ job: 'e/p/n', resource: 'kubernetes' }).resource).toBe('kubernetes');
  });

  it('places version, entry point, run id, image, repository where the agent reads them', () => {
    const spec = buildLaunchSpec({
      job: 'e/p/n',
      version: 'abc',
      entryPoint: ['python3', 'x.py'],
      runId: 'r1',
      repository: 'reg.io/x',
    });
    expect(spec.git?.version).toBe('abc');
    expect(spec.overrides?.entry_point).toEqual(['python3', 'x.py']);
    expect(spec.run_id).toBe('r1');
    expect(spec.registry).toEqual({ url: 'reg.io/x' });
    expect(buildLaunchSpec({ dockerImage: 'img:1' }).docker?.docker_image).toBe('img:1');
  });

  it('has W&B’s shape: docker, git and overrides always objects, resource null when none is named', () => {
    expect(buildLaunchSpec({ job: 'e/p/n' })).toEqual({
      job: 'e/p/n',
      project: 'p',
      docker: {},
      resource: null,
      git: {},
      overrides: {},
    });
  });

  it('keeps an explicit empty project or entity as given (the server reads "" as not set); takes the config’s only when not empty', () => {
    expect(buildLaunchSpec({ job: 'e/p/n', project: '', entity: '' })).toMatchObject({
      project: '',
      entity: '',
    });
    const fromConfig = buildLaunchSpec({ job: 'e/p/n', config: { project: '', entity: '' } });
    expect(fromConfig.project).toBe('p');
    expect(fromConfig).not.toHaveProperty('entity');
  });

  it('drops resource_args when the spec also has template_variables (W&B: "only one can be set")', () => {
    const spec = buildLaunchSpec({
      job: 'e/p/n',
      resourceArgs: { 'local-container': { gpus: 1 } },
      config: { template_variables: { gpus: 2 } },
    });
    expect(spec).not.toHaveProperty('resource_args');
    expect(spec.template_variables).toEqual({ gpus: 2 });
  });

  it('parameters merge over config.overrides.run_config and do not mutate the caller’s config', () => {
    const config = { overrides: { run_config: { a: 1, b: 2 } } };
    const spec = buildLaunchSpec({ job: 'e/p/n', config, parameters: { b: 3 } });
    expect(spec.overrides?.run_config).toEqual({ a: 1, b: 3 });
    expect(config.overrides.run_config).toEqual({ a: 1, b: 2 });
  });

  it('resourceArgs replace the config block wholesale', () => {
    const spec = buildLaunchSpec({
      job: 'e/p/n',
      config: { resource_args: { a: {} } },
      resourceArgs: { b: { x: 1 } },
    });
    expect(spec.resource_args).toEqual({ b: { x: 1 } });
  });

  it.each([
    [{}, 'Exactly one of job or docker_image must be specified in the launch spec.'],
    [
      { job: 'e/p/n', dockerImage: 'img:1' },
      'Exactly one of job or docker_image must be specified in the launch spec.',
    ],
    [
      { uri: 'https://x/y.git', job: 'e/p/n' },
      'Exactly one of uri, job or docker_image must be specified in the launch spec.',
    ],
    [{ job: 'e' }, 'a job must be of the form'],
    [{ job: 'a/b/c/d' }, 'a job must be of the form'],
    [
      { job: 'e/p/n', config: { overrides: { args: ['--epochs', 5] } } },
      'override args must be a list of strings',
    ],
    [
      { job: 'e/p/n', config: { overrides: { args: [1] } } },
      'override args must be a list of strings',
    ],
    [
      { job: 'e/p/n', config: 'x' as unknown as Record<string, unknown> },
      'config must be an object',
    ],
  ])('rejects %j', (options, message) => {
    expect(() => buildLaunchSpec(options)).toThrow(LaunchError);
    expect(() => buildLaunchSpec(options)).toThrow(message);
  });
});

describe('parseJobRef', () => {
  it.each([
    ['a/b/c:latest', { entity: 'a', project: 'b', name: 'c', alias: 'latest' }],
    ['a/b/c:v3', { entity: 'a', project: 'b', name: 'c', alias: 'v3' }],
    ['a/b/c', { entity: 'a', project: 'b', name: 'c', alias: 'latest' }],
  ])('%s', (ref, expected) => {
    expect(parseJobRef(ref)).toEqual({ ok: true, ref: expected });
  });
  it('takes the default entity for project/name', () => {
    expect(parseJobRef('b/c:v1', { entity: 'me' })).toEqual({
      ok: true,
      ref: { entity: 'me', project: 'b', name: 'c', alias: 'v1' },
    });
  });
  it.each(['c', 'a/b/c/d', 'a//c', 'a/b/c:', 'a/b/c d'])('rejects %s with W&B’s message', (ref) => {
    const result = parseJobRef(ref);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.message).toContain(
        'a job must be of the form <entity>/<project>/<job-name>:<alias-or-version>',
      );
  });
});
