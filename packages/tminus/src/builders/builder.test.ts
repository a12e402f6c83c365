import { describe, expect, it } from 'vitest';

import { noopBuilder, parseBuilderConfig } from './index.js';

describe('builder config', () => {
  it.each([
    [{ type: 'docker' }, { type: 'docker' }],
    [
      { type: 'docker', base_image: 'python:3.12-slim', destination: '127.0.0.1:5000/jobs' },
      { type: 'docker', base_image: 'python:3.12-slim', destination: '127.0.0.1:5000/jobs' },
    ],
    [{ type: 'noop' }, { type: 'noop' }],
  ])('%j is read', (raw, config) => {
    expect(parseBuilderConfig(raw)).toEqual(config);
  });

  it.each([
    [{}, /^builder\.type: must be "docker" or "noop"$/],
    [{ type: 'kaniko' }, /^builder\.type: kaniko builds run in a Kubernetes cluster/],
    [
      { type: 'docker', base_image: 'Python 3' },
      /^builder\.base_image: "Python 3" is not an image reference/,
    ],
    [
      { type: 'docker', destination: 'reg:5000/jobs:v1' },
      /^builder\.destination: repository "reg:5000\/jobs:v1" may not include a tag/,
    ],
    [
      { type: 'docker', platform: 'linux/arm64' },
      /^builder: unknown key "platform" \(known: type, base_image, destination\)$/,
    ],
    ['docker', /^builder: /],
  ])('%j is refused, naming the key', (raw, message) => {
    expect(() => parseBuilderConfig(raw)).toThrow(message);
  });
});

describe('noop builder', () => {
  it('refuses to build, saying which builder a git or code job needs', async () => {
    const error = await noopBuilder
      .build({
        jobPath: 'e/p/j',
        source: { dir: '/x', digest: 'd' },
        entrypoint: [],
        onLine: () => {},
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      stage: 'build',
      reason: 'no_builder',
      message: expect.stringMatching(
        /e\/p\/j needs an image built from its source.*builder: \{type: docker\}/,
      ),
    });
  });
});
