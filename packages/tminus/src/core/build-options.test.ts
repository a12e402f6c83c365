import { describe, expect, it } from 'vitest';

import { buildOptionsProblem } from './build-options.js';

describe('a launch’s build options', () => {
  it.each([
    [{ job: 'a/b/c', build: true }, 'local-container', undefined],
    [
      { uri: '/r', job_name: 'my-job', base_image: 'python:3.12', build_context: 'sub' },
      'kubernetes',
      undefined,
    ],
    [{ uri: '/r', job_name: 'my-job' }, 'local-process', undefined],
    [
      { job: 'a/b/c', build: true },
      'local-process',
      'Cannot build a docker image for the resource: local-process',
    ],
    [
      { uri: '/r', base_image: 'python:3.12' },
      'local-process',
      'A base image (python:3.12) needs a runner that runs images, not local-process',
    ],
    [
      { job: 'a/b/c', base_image: 'x', build_context: 'y' },
      'local-container',
      'base_image, build_context describe the job made from a uri (-u), and this launch has no uri',
    ],
    [
      { uri: '/r', job_name: 'no spaces' },
      'local-container',
      'job_name "no spaces" may contain only letters, digits, "_", "." and "-"',
    ],
  ] as const)('%j on %s: %s', (spec, resource, problem) => {
    expect(buildOptionsProblem(spec, resource)).toBe(problem);
  });
});
