/**
 * @module The hostile values mutations draw from: one of each JSON type, strings that break names,
 * paths and SQL, numbers at and past the edges of IEEE doubles, byte sequences that are not UTF-8.
 */
import type { Rng } from './prng.js';

/** One value of each JSON type (and a few of each shape). */
export const ANY_JSON: readonly unknown[] = [
  'fuzz',
  '',
  0,
  1,
  -1,
  1.5,
  true,
  false,
  null,
  [],
  ['fuzz'],
  [1, null],
  {},
  { a: 1 },
  { '': [] },
];

export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Strings that are wrong somewhere, by kind (a mutation picks the kind first, so that the few
 * characters a store may choke on are drawn as often as the many long strings).
 */
export const BAD_STRINGS: Readonly<Record<string, readonly string[]>> = {
  empty: ['', ' ', '\t', '\n'],
  control: ['\u0000', 'nul\u0000inside', 'line\nbreak', 'bell\u0007', 'del\u007f', 'esc\u001b[31m'],
  unicode: [
    'é',
    'ＡＣＭＥ',
    'acme\u200b',
    '😀',
    '\ud800',
    'lone\udfffsurrogate',
    '\u202eevil',
    '\ufeffbom',
    '\uffff',
  ],
  paths: [
    '.',
    '..',
    '../../etc/passwd',
    'a/b',
    'a\\b',
    'a b',
    '%00',
    '%2e%2e%2f',
    'C:\\x',
    '~root',
  ],
  injection: [
    "'; DROP TABLE runs; --",
    '" OR 1=1 --',
    '${HOME}',
    '{{template}}',
    '$(id)',
    '`id`',
    '<script>',
  ],
  words: ['NaN', 'null', 'true', '-1', '1e308', '__proto__', 'constructor', 'undefined'],
  long: ['a'.repeat(65), 'a'.repeat(129), 'a'.repeat(257), 'a'.repeat(4097), 'é'.repeat(1000)],
};

/** One of the bad strings, its kind drawn first. */
export function badString(rng: Rng): string {
  return rng.pick(rng.pick(Object.values(BAD_STRINGS)));
}

/** Numbers at the edges (as JSON values). */
export const BAD_NUMBERS: readonly number[] = [
  1e308,
  -1e308,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  -1,
  0,
  -0,
  0.5,
  -0.5,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 63),
  1e21,
];

/** Number-looking JSON text (some of it not JSON at all), sent raw. */
export const RAW_NUMBERS: readonly string[] = [
  '1e999',
  '-1e999',
  '123456789012345678901234567890',
  '0.0000000000000000000000000001',
  '1E2',
  '-0.0',
  '01',
  '+1',
  '.5',
  '1.',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '1_000',
  '9'.repeat(400),
];

/** Query values: what a careless client or a hostile one puts in a query string (percent-encoded). */
export const BAD_QUERY_VALUES: readonly string[] = [
  '',
  '%20',
  'abc',
  'NaN',
  'Infinity',
  '-Infinity',
  '1.5',
  '-1',
  '-2',
  '1e308',
  '-1e308',
  '1e-7',
  '0x10',
  '0b1',
  '%205%20',
  '%2B5',
  '5abc',
  'true',
  'null',
  '%5B%5D',
  '%7B%7D',
  '%',
  '%%',
  '%G1',
  'a%2Fb',
  '..%2F..',
  '9'.repeat(400),
  `-${'9'.repeat(400)}`,
  `0.${'0'.repeat(300)}1`,
  'PENDING',
  'pending%00',
  '%00',
  '%C3%A9',
  'a+b',
];

/** Byte sequences that are not valid UTF-8 (or not valid inside a JSON string). */
export const BAD_UTF8: readonly (readonly number[])[] = [
  [0xc3, 0x28],
  [0xff],
  [0xfe, 0xff],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0x00],
  [0x09],
  [0x1f],
];

/** JSON escapes that decode to strings UTF-8 cannot hold (lone surrogates) or to NUL. */
export const ODD_ESCAPES: readonly string[] = [
  '\\ud800',
  '\\udfff',
  '\\ud800\\u0041',
  '\\udbff\\udbff',
  '\\u0000',
  'acme\\u0000',
  '\\uFFFE',
  '\\x41',
  '\\u12',
];

/** Percent-encoded bytes that are not UTF-8, for paths and query strings. */
export const BAD_PERCENT: readonly string[] = [
  '%C3%28',
  '%FF',
  '%FE%FF',
  '%C0%AF',
  '%ED%A0%80',
  '%F4%90%80%80',
  '%E2%82',
  '%80',
  '%00',
  '%',
  '%G1',
  '%u0041',
];

/** Bytes sent raw in a URL, where only printable ASCII may go (sent as Latin-1 characters). */
export const RAW_URL_BYTES: readonly string[] = ['\u00ff', '\u00c3(', '\u00e9', '\u0080', '\u007f'];

/** Keys a schema does not know, including ones that are special to JavaScript objects. */
export const UNKNOWN_KEYS: readonly string[] = [
  'fuzz',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '',
  ' ',
  '$where',
  'a'.repeat(1000),
  'ключ',
  'id',
  'createdBy',
  'admin',
];

/** Documents that are not JSON (or not one JSON document). */
export const NOT_JSON: readonly string[] = [
  "{'a': 1}",
  '{a:1}',
  '{"a":1,}',
  '[1,]',
  '// comment\n{}',
  '/* c */{}',
  'undefined',
  'a=1&b=2',
  '<xml/>',
  '{"a":1}x',
  '{}{}',
  '\ufeff{}',
  '{',
  '}',
  '"',
  '[',
  ' ',
  '\n',
  '{"a":"\\q"}',
  '{"a":01}',
  '--x\r\ncontent-disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
];

/** JSON documents of the wrong type at the top. */
export const TOP_LEVEL: readonly string[] = [
  'null',
  '[]',
  '"fuzz"',
  '0',
  '-1',
  'true',
  '[{}]',
  '{}',
  '[[]]',
];

export const CONTENT_TYPES: readonly (string | undefined)[] = [
  undefined,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/xml',
  'application/json, text/plain',
  '',
];
