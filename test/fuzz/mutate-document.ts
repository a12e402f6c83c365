/**
 * @module Mutations of a whole request body: empty, truncated, not JSON, the wrong type at the top, a
 * duplicated key, the wrong content type; a body sent to a route that takes none; the bytes of an
 * upload.
 */
import type { Change, Scale } from './change.js';
import { withBody } from './mutate-values.js';
import type { Rng } from './prng.js';
import type { Seed } from './seed.js';
import { isObject } from './sites.js';
import { ANY_JSON, CONTENT_TYPES, NOT_JSON, TOP_LEVEL } from './values.js';
import { type Body, toWire } from './wire.js';

function bytesOf(text: string): Body {
  return { kind: 'bytes', bytes: Buffer.from(text) };
}

export function emptyBody(seed: Seed, rng: Rng): Change {
  const body: Body = rng.chance(0.7) ? { kind: 'none' } : bytesOf(rng.pick([' ', '\r\n', '\t ']));
  return { where: 'body', parts: withBody(seed.parts, body) };
}

export function truncatedJson(seed: Seed, rng: Rng): Change {
  const bytes = toWire(seed.parts).body ?? Buffer.from('{}');
  const at = rng.int(1, Math.max(1, bytes.length - 1));
  return {
    where: `body[..${at}]`,
    parts: withBody(seed.parts, { kind: 'bytes', bytes: bytes.subarray(0, at) }),
  };
}

export function notJson(seed: Seed, rng: Rng): Change {
  return { where: 'body', parts: withBody(seed.parts, bytesOf(rng.pick(NOT_JSON))) };
}

export function topLevelType(seed: Seed, rng: Rng): Change {
  const text = rng.chance(0.2) ? `[${JSON.stringify(seed.body)}]` : rng.pick(TOP_LEVEL);
  return { where: 'body', parts: withBody(seed.parts, bytesOf(text)) };
}

export function duplicateKey(seed: Seed, rng: Rng): Change | undefined {
  if (!isObject(seed.body)) return undefined;
  const keys = Object.keys(seed.body);
  const key = keys.length > 0 ? rng.pick(keys) : 'fuzz';
  const text = JSON.stringify(seed.body);
  const wrong = JSON.stringify(rng.pick(ANY_JSON));
  const entry = `${JSON.stringify(key)}:${wrong}`;
  const rest = text.slice(1, -1);
  // The wrong value first (the valid one, last, wins) or last (it wins).
  const doc = rng.chance(0.5)
    ? `{${entry}${rest === '' ? '' : `,${rest}`}}`
    : `{${rest}${rest === '' ? '' : ','}${entry}}`;
  return { where: `body.${key} twice`, parts: withBody(seed.parts, bytesOf(doc)) };
}

export function wrongContentType(seed: Seed, rng: Rng): Change {
  const type = rng.pick(CONTENT_TYPES);
  const headers = { ...seed.parts.headers };
  delete headers['content-type'];
  if (type !== undefined) headers['content-type'] = type;
  return { where: `content-type: ${type ?? '(none)'}`, parts: { ...seed.parts, headers } };
}

/** A body sent to a route that takes none (a GET, a DELETE, a bodiless POST). */
export function bodyOnRead(seed: Seed, rng: Rng, scale: Scale): Change {
  const size = rng.pick(scale.hugeBytes);
  const text = rng.pick([
    '{"a":1}',
    '{"entity":"acme","admin":true}',
    'not json',
    '[]',
    '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
    `"${'a'.repeat(size)}"`,
  ]);
  const type = rng.pick(['application/json', 'text/plain', undefined]);
  return {
    where: 'body of a bodiless route',
    parts: {
      ...seed.parts,
      headers: type === undefined ? {} : { 'content-type': type },
      body: bytesOf(text),
    },
  };
}

/** Bytes of an upload: anything goes, so these only ever go with credentials that may not upload. */
export function rawBody(seed: Seed, rng: Rng): Change {
  const bytes = rng.pick([
    Buffer.alloc(0),
    Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]),
    Buffer.from('{"a":1}'),
    Buffer.alloc(64 * 1024, 0x61),
  ]);
  const type = rng.pick(CONTENT_TYPES);
  return {
    where: `upload of ${bytes.length} bytes`,
    parts: {
      ...seed.parts,
      headers: type === undefined ? {} : { 'content-type': type },
      body: { kind: 'bytes', bytes },
    },
  };
}
