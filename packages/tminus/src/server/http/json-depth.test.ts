import { LaunchError } from '@tminus/sdk';
import { describe, expect, it } from 'vitest';

import { assertJsonDepth, jsonDepth, MAX_JSON_DEPTH } from './json-depth.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('jsonDepth', () => {
  it.each([
    ['1', 0],
    ['"[{["', 0],
    ['{}', 1],
    ['[[], {"a": [1, {"b": {}}]}]', 5],
    ['{"a": "\\"[[[[", "b": ["\\\\", [[]]]}', 4],
    ['{"ключ": "[[日本]]", "x": [[]]}', 3],
  ])('%s nests %i deep (brackets in strings, escapes and UTF-8 do not count)', (text, depth) => {
    expect(jsonDepth(bytes(text))).toBe(depth);
    // The scan and the parser agree that the document is valid.
    expect(() => JSON.parse(text) as unknown).not.toThrow();
  });

  it('stops scanning once past the limit', () => {
    expect(jsonDepth(bytes('['.repeat(1_000_000)), 10)).toBe(11);
  });
});

describe('assertJsonDepth', () => {
  it(`accepts ${MAX_JSON_DEPTH} levels and refuses one more, naming the limit`, () => {
    const doc = (depth: number) => bytes(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    expect(() => assertJsonDepth(doc(MAX_JSON_DEPTH))).not.toThrow();
    let error: unknown;
    try {
      assertJsonDepth(doc(MAX_JSON_DEPTH + 1));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LaunchError);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((error as LaunchError).message).toContain(`${MAX_JSON_DEPTH} levels`);
  });
});
