/**
 * @module Mutations of the URL: query values of the wrong type, duplicated keys, percent-encoded bytes
 * that are not UTF-8, huge values, unknown keys; path parameters that are wrong, not UTF-8 or huge;
 * and the path itself reshaped (trailing or doubled slashes, an extra segment, another case, another
 * method).
 */
import type { Change } from './change.js';
import type { Rng } from './prng.js';
import type { Seed } from './seed.js';
import { BAD_PERCENT, BAD_QUERY_VALUES, badString, RAW_URL_BYTES, UNKNOWN_KEYS } from './values.js';

type Pair = readonly [string, string];

/** Every byte outside the unreserved set as `%XX` (a lone surrogate as U+FFFD's bytes, as UTF-8 has it). */
function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

const queryKeys = (seed: Seed): string[] =>
  seed.shapes.query?.kind === 'object' ? Object.keys(seed.shapes.query.fields) : [];

export const hasQuery = (seed: Seed): boolean => queryKeys(seed).length > 0;
export const hasParams = (seed: Seed): boolean => Object.keys(seed.parts.params).length > 0;

function withQuery(seed: Seed, query: readonly Pair[], where: string): Change {
  return { where, parts: { ...seed.parts, query } };
}

/** The query with `key` set to `value` (replacing it if present). */
function setting(seed: Seed, key: string, value: string): Pair[] {
  return [...seed.parts.query.filter(([k]) => k !== key), [key, value]];
}

export function queryBadValue(seed: Seed, rng: Rng): Change {
  const key = rng.pick(queryKeys(seed));
  const value = rng.chance(0.8) ? rng.pick(BAD_QUERY_VALUES) : percentEncode(badString(rng));
  return withQuery(seed, setting(seed, key, value), `query.${key}`);
}

export function queryDuplicate(seed: Seed, rng: Rng): Change {
  const key = rng.pick(queryKeys(seed));
  const good = seed.parts.query.find(([k]) => k === key)?.[1] ?? '1';
  const bad = rng.pick(BAD_QUERY_VALUES);
  const rest = seed.parts.query.filter(([k]) => k !== key);
  const copies: Pair[] = rng.pick([
    [
      [key, good],
      [key, bad],
    ],
    [
      [key, bad],
      [key, good],
    ],
    [
      [key, good],
      [key, good],
      [key, good],
    ],
  ]);
  return withQuery(seed, [...rest, ...copies], `query.${key} repeated`);
}

/** Bytes that are not UTF-8, mostly percent-encoded, sometimes raw. */
const notUtf8 = (rng: Rng) => (rng.chance(0.8) ? rng.pick(BAD_PERCENT) : rng.pick(RAW_URL_BYTES));

export function queryInvalidUtf8(seed: Seed, rng: Rng): Change {
  const keys = queryKeys(seed);
  const bad = notUtf8(rng);
  if (keys.length === 0 || rng.chance(0.2)) {
    return withQuery(seed, [...seed.parts.query, [`k${bad}`, bad]], 'query key');
  }
  const key = rng.pick(keys);
  const good = seed.parts.query.find(([k]) => k === key)?.[1] ?? '';
  return withQuery(
    seed,
    setting(seed, key, rng.chance(0.5) ? `${good}${bad}` : bad),
    `query.${key}`,
  );
}

export function queryHuge(seed: Seed, rng: Rng): Change {
  const keys = queryKeys(seed);
  const key = keys.length > 0 ? rng.pick(keys) : 'fuzz';
  const length = rng.pick([1_000, 5_000, 12_000, 100_000]);
  const value = rng.pick(['9', 'a', '%FF', '-']).repeat(length);
  return withQuery(seed, setting(seed, key, value), `query.${key} (${length}×)`);
}

export function queryUnknown(seed: Seed, rng: Rng): Change {
  const extra: Pair = rng.pick<Pair>([
    [percentEncode(rng.pick(UNKNOWN_KEYS)), '1'],
    ['limit[]', '1'],
    ['entity[a]', 'acme'],
    ['', ''],
    ['', 'x'],
    ['&&', ''],
    ['a=b', 'c'],
  ]);
  return withQuery(seed, [...seed.parts.query, extra], 'query (unknown key)');
}

function withParam(seed: Seed, rng: Rng, value: string, what: string): Change {
  const key = rng.pick(Object.keys(seed.parts.params));
  return {
    where: `path.${key} (${what})`,
    parts: { ...seed.parts, params: { ...seed.parts.params, [key]: value } },
  };
}

export function pathBadSegment(seed: Seed, rng: Rng): Change {
  const value = rng.pick([
    '',
    '.',
    '..',
    '%2E%2E',
    'a%2Fb',
    '%2F',
    '%20',
    '-',
    '_',
    'a.b',
    'CON',
    '%C3%A9',
    '%F0%9F%98%80',
    'x%00',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    percentEncode(badString(rng)),
  ]);
  return withParam(seed, rng, value, 'bad value');
}

export function pathInvalidUtf8(seed: Seed, rng: Rng): Change {
  const key = rng.pick(Object.keys(seed.parts.params));
  const good = seed.parts.params[key] ?? '';
  const bad = notUtf8(rng);
  return withParam(seed, rng, rng.chance(0.5) ? `${good}${bad}` : bad, 'not UTF-8');
}

export function pathHuge(seed: Seed, rng: Rng): Change {
  const length = rng.pick([129, 1_000, 10_000, 100_000]);
  return withParam(seed, rng, 'a'.repeat(length), `${length} characters`);
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

export function pathShape(seed: Seed, rng: Rng): Change {
  const template = seed.parts.template;
  const shapes: [string, () => Partial<Seed['parts']>][] = [
    ['trailing slash', () => ({ template: `${template}/` })],
    ['double slashes', () => ({ template: template.replaceAll('/', '//') })],
    ['extra segment', () => ({ template: `${template}/extra` })],
    ['last segment dropped', () => ({ template: template.slice(0, template.lastIndexOf('/')) })],
    [
      'upper case',
      () => ({
        template: template
          .split('/')
          .map((s) => (s.startsWith(':') ? s : s.toUpperCase()))
          .join('/'),
      }),
    ],
    ['dot segments', () => ({ template: `/..${template}` })],
    ['other method', () => ({ method: rng.pick(METHODS.filter((m) => m !== seed.parts.method)) })],
  ];
  const [what, change] = rng.pick(shapes);
  return { where: `path (${what})`, parts: { ...seed.parts, ...change() } };
}
