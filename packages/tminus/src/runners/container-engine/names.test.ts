import { describe, expect, it } from 'vitest';

import {
  envNameProblem,
  hostPathProblem,
  imageRefOrIdProblem,
  labelKeyProblem,
  labelValueProblem,
  objectNameProblem,
  parseImageRef,
  repositoryProblem,
  sinceProblem,
  userProblem,
} from './names.js';

describe('image references (Docker grammar)', () => {
  it.each([
    ['python', { path: 'python' }],
    ['python:3.11-slim', { path: 'python', tag: '3.11-slim' }],
    ['library/python:3', { path: 'library/python', tag: '3' }],
    ['tminus-test/python:3', { path: 'tminus-test/python', tag: '3' }],
    ['127.0.0.1:5000/jobs:abc', { domain: '127.0.0.1:5000', path: 'jobs', tag: 'abc' }],
    ['localhost/a/b', { domain: 'localhost', path: 'a/b' }],
    ['localhost:5000', { path: 'localhost', tag: '5000' }],
    [
      'ghcr.io/org/img_x__y.z-w:v1.2_3',
      { domain: 'ghcr.io', path: 'org/img_x__y.z-w', tag: 'v1.2_3' },
    ],
    [`busybox@sha256:${'a'.repeat(64)}`, { path: 'busybox', digest: `sha256:${'a'.repeat(64)}` }],
    [
      `reg.example.com/x:1@sha256:${'b'.repeat(64)}`,
      { domain: 'reg.example.com', path: 'x', tag: '1', digest: `sha256:${'b'.repeat(64)}` },
    ],
    ['Registry/x', { domain: 'Registry', path: 'x' }],
  ])('%s parses', (ref, parsed) => {
    expect(parseImageRef(ref)).toEqual(parsed);
  });

  it.each([
    '',
    '-v',
    '--privileged',
    'Python',
    'a//b',
    'a/',
    '/a',
    'a b',
    'a:',
    'a:-x',
    `a:${'x'.repeat(129)}`,
    'a@sha256:abc',
    'a..b',
    'a$(id)',
    'a;b',
    'a\nb',
    'reg.example.com:port/x',
    '-reg.com/x',
    `${'a'.repeat(256)}`,
  ])('%j is refused', (ref) => {
    expect(parseImageRef(ref)).toBeUndefined();
  });

  it('an image id is accepted where ids are (inspect, rm)', () => {
    expect(imageRefOrIdProblem(`sha256:${'c'.repeat(64)}`)).toBeUndefined();
    expect(imageRefOrIdProblem('0123456789ab')).toBeUndefined();
    expect(imageRefOrIdProblem('--force')).toMatch(/not an image reference/);
  });
});

describe('repositories', () => {
  it.each([
    ['127.0.0.1:5000/tminus/jobs', undefined],
    ['jobs', undefined],
    ['127.0.0.1:5000/jobs:v1', /may not include a tag/],
    [`jobs@sha256:${'a'.repeat(64)}`, /may not include a tag or digest/],
    ['http://reg/x', /not an image repository/],
  ])('%s → %s', (repo, problem) => {
    const found = repositoryProblem(repo);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });
});

describe('labels, env names, containers, paths, times, users', () => {
  it.each([
    [labelKeyProblem('tminus.run-id'), true],
    [labelKeyProblem('com.example/app'), true],
    [labelKeyProblem('-x'), false],
    [labelKeyProblem('a='), false],
    [labelKeyProblem(''), false],
    [labelValueProblem('any value = with spaces, "quotes" and ünïcode'), true],
    [labelValueProblem(''), true],
    [labelValueProblem('two\nlines'), false],
    [labelValueProblem('x'.repeat(4097)), false],
    [envNameProblem('WANDB_CONFIG_0'), true],
    [envNameProblem('_X'), true],
    [envNameProblem('0X'), false],
    [envNameProblem('A-B'), false],
    [envNameProblem('A=B'), false],
    [objectNameProblem('container', 'tminus-run-abc_1.2'), true],
    [objectNameProblem('container', 'a'.repeat(64)), true],
    [objectNameProblem('container', '-f'), false],
    [objectNameProblem('container', 'a/b'), false],
    [objectNameProblem('network', 'host'), true],
    [hostPathProblem('/srv/run/x', 'mount'), true],
    [hostPathProblem('relative/x', 'file'), false],
    [hostPathProblem('/a:b', 'mount'), false],
    [hostPathProblem('/a,b', 'mount'), false],
    [hostPathProblem('/a:b', 'file'), true],
    [hostPathProblem('/a\u0000b', 'file'), false],
    [sinceProblem('1733300000'), true],
    [sinceProblem('1733300000.5'), true],
    [sinceProblem('2026-12-04T16:21:03.753579194Z'), true],
    [sinceProblem('2026-12-04T16:21:03+01:00'), true],
    [sinceProblem('10m'), false],
    [sinceProblem('--follow'), false],
    [userProblem('1000'), true],
    [userProblem('1000:0'), true],
    [userProblem('tminus:users'), true],
    [userProblem('root:'), false],
    [userProblem('a:b:c'), false],
    [userProblem('-u'), false],
  ])('%#: valid = %s', (problem, valid) => {
    expect(problem === undefined).toBe(valid);
  });
});
