import { describe, expect, it } from 'vitest';

import { parseImageRef } from '../runners/container-engine/index.js';
import { dockerSafeName, imageTag, imageUri, TAG_LENGTH } from './image-tag.js';

const input = {
  sourceDigest: `sha256:${'a'.repeat(64)}`,
  context: '.',
  dockerfile: 'FROM python:3.11-slim\n',
  baseImage: 'python:3.11-slim',
};

describe('image tag', () => {
  it('is 16 hex digits, the same for the same input', () => {
    expect(imageTag(input)).toMatch(new RegExp(`^[0-9a-f]{${TAG_LENGTH}}$`));
    expect(imageTag({ ...input })).toBe(imageTag(input));
  });

  it.each([
    ['another source', { sourceDigest: '1a2b3c4d' }],
    ['another context', { context: 'train' }],
    ['another Dockerfile', { dockerfile: 'FROM python:3.12-slim\n' }],
    ['another base image', { baseImage: 'python:3.12-slim' }],
    ['no base image chosen by tminus', { baseImage: undefined }],
  ])('changes with %s', (_what, change) => {
    expect(imageTag({ ...input, ...change })).not.toBe(imageTag(input));
  });

  it('parts cannot run into each other', () => {
    expect(imageTag({ ...input, sourceDigest: 'ab', context: 'c' })).not.toBe(
      imageTag({ ...input, sourceDigest: 'a', context: 'bc' }),
    );
  });
});

describe('image name', () => {
  it.each([
    ['alice/demo/train', 'alice__demo__train'],
    ['Alice/My Project/train:v3', 'alice__my__project__train'],
    ['e/p/a..b', 'e__p__a__b'],
    ['e/p/a-_b', 'e__p__a__b'],
    ['e/p/a---b', 'e__p__a---b'],
    ['e/p/a.b_c', 'e__p__a.b_c'],
    ['-x-/p/_y_', 'x__p__y'],
    ['ü/ö/ä', 'job'],
    [`e/p/${'x'.repeat(300)}`, `e__p__${'x'.repeat(122)}`],
  ])('%s → %s', (job, name) => {
    expect(dockerSafeName(job)).toBe(name);
    expect(parseImageRef(`${name}:abc`)).toBeDefined();
  });

  it('is the repository when one is configured', () => {
    expect(imageUri('e/p/j', 'abc', '127.0.0.1:5000/jobs')).toBe('127.0.0.1:5000/jobs:abc');
    expect(imageUri('e/p/j', 'abc', undefined)).toBe('e__p__j:abc');
  });
});
