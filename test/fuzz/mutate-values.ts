/**
 * @module Mutations at one place (a site) of a JSON body: a value of the wrong type, a missing or
 * unknown field, an edge string or number, a huge string or array, a deep nesting, bytes that are not
 * UTF-8.
 */
import type { Change, Scale } from './change.js';
import type { Rng } from './prng.js';
import type { Shape } from './schema-shape.js';
import type { Seed } from './seed.js';
import { deleteAt, getAt, isObject, type Path, setAt, type Site, sitesOf } from './sites.js';
import {
  ANY_JSON,
  BAD_NUMBERS,
  badString as badStringOf,
  BAD_UTF8,
  jsonType,
  ODD_ESCAPES,
  RAW_NUMBERS,
  UNKNOWN_KEYS,
} from './values.js';
import { type Body, type Parts, splice } from './wire.js';

export const hasJsonBody = (seed: Seed): boolean => seed.shapes.body !== undefined;

function sites(seed: Seed): Site[] {
  return seed.shapes.body ? sitesOf(seed.shapes.body, seed.body) : [];
}

const label = (path: Path) => ['body', ...path].join('.');

function withValue(seed: Seed, path: Path, value: unknown): Change {
  return { where: label(path), parts: withBody(seed.parts, json(setAt(seed.body, path, value))) };
}

/** The body with raw bytes where the value at `path` was. */
function withRaw(seed: Seed, path: Path, bytes: Buffer | string): Change {
  const s = splice(bytes);
  return {
    where: label(path),
    parts: withBody(seed.parts, {
      kind: 'json',
      value: setAt(seed.body, path, s.marker),
      splices: new Map([[s.marker, s.bytes]]),
    }),
  };
}

const json = (value: unknown): Body => ({ kind: 'json', value, splices: new Map() });

export function withBody(parts: Parts, body: Body): Parts {
  return { ...parts, body };
}

/** The JSON types a shape accepts (empty: any). */
function typesOf(shape: Shape): string[] {
  switch (shape.kind) {
    case 'string':
      return ['string'];
    case 'number':
      return ['number'];
    case 'boolean':
      return ['boolean'];
    case 'enum':
      return shape.values.map(jsonType);
    case 'object':
    case 'record':
      return ['object'];
    case 'array':
      return ['array'];
    case 'union':
      return shape.options.flatMap(typesOf);
    case 'nullable':
      return ['null', ...typesOf(shape.inner)];
    case 'unknown':
      return [];
  }
}

export function wrongType(seed: Seed, rng: Rng): Change {
  const site = rng.pick(sites(seed));
  const accepted = typesOf(site.shape);
  const wrong = ANY_JSON.filter((v) => !accepted.includes(jsonType(v)));
  return withValue(seed, site.path, structuredClone(rng.pick(wrong.length > 0 ? wrong : ANY_JSON)));
}

export function missingField(seed: Seed, rng: Rng): Change | undefined {
  const present = sites(seed).filter((s) => s.field && s.present);
  const required = present.filter((s) => !s.optional);
  if (rng.chance(0.1) && isObject(seed.body)) {
    return { where: 'body (every field)', parts: withBody(seed.parts, json({})) };
  }
  const site = rng.pick(
    required.length > 0 ? required : present.length > 0 ? present : [undefined],
  );
  if (site === undefined) return undefined;
  return {
    where: label(site.path),
    parts: withBody(seed.parts, json(deleteAt(seed.body, site.path))),
  };
}

export function unknownField(seed: Seed, rng: Rng): Change | undefined {
  const objects = sites(seed).filter((s) => s.present && isObject(getAt(seed.body, s.path)));
  if (objects.length === 0) return undefined;
  const site = rng.pick(objects);
  const key = rng.pick(UNKNOWN_KEYS);
  return withValue(seed, [...site.path, key], structuredClone(rng.pick(ANY_JSON)));
}

export function badString(seed: Seed, rng: Rng): Change {
  const all = sites(seed);
  const strings = all.filter((s) => s.shape.kind === 'string' || s.shape.kind === 'enum');
  const site = rng.pick(strings.length > 0 ? strings : all);
  const near: string[] = [];
  if (site.shape.kind === 'string') {
    if (site.shape.max !== undefined) near.push('a'.repeat(site.shape.max + 1));
    if (site.shape.min > 0) near.push('a'.repeat(site.shape.min - 1));
  }
  if (site.shape.kind === 'enum') {
    for (const v of site.shape.values)
      near.push(String(v).toUpperCase(), ` ${String(v)}`, `${String(v)}\u0000`);
  }
  return withValue(
    seed,
    site.path,
    near.length > 0 && rng.chance(0.25) ? rng.pick(near) : badStringOf(rng),
  );
}

export function badNumber(seed: Seed, rng: Rng): Change {
  const all = sites(seed);
  const numbers = all.filter((s) => s.shape.kind === 'number');
  const site = rng.pick(numbers.length > 0 ? numbers : all);
  if (rng.chance(0.35)) return withRaw(seed, site.path, rng.pick(RAW_NUMBERS));
  const near: number[] = [];
  if (site.shape.kind === 'number') {
    if (site.shape.max !== undefined) near.push(site.shape.max + 1, site.shape.max + 0.5);
    if (site.shape.min !== undefined) near.push(site.shape.min - 1, site.shape.min - 0.5);
  }
  return withValue(seed, site.path, rng.pick([...BAD_NUMBERS, ...near]));
}

export function hugeString(seed: Seed, rng: Rng, scale: Scale): Change {
  const all = sites(seed);
  const strings = all.filter((s) => s.shape.kind === 'string');
  const site = rng.pick(strings.length > 0 && rng.chance(0.8) ? strings : all);
  const size = rng.pick(scale.hugeBytes);
  const unit = rng.pick(['a', '9', 'é', '😀', '\\"']);
  // A JSON escape travels as its text: put the string in raw, so that its size is `size` on the wire.
  const text = unit.repeat(Math.ceil(size / Buffer.byteLength(unit)));
  return withRaw(seed, site.path, `"${text}"`);
}

export function hugeArray(seed: Seed, rng: Rng, scale: Scale): Change {
  const all = sites(seed);
  const arrays = all.filter((s) => s.shape.kind === 'array');
  const site = rng.pick(arrays.length > 0 && rng.chance(0.8) ? arrays : all);
  const existing = getAt(seed.body, site.path);
  const item: unknown =
    Array.isArray(existing) && existing.length > 0
      ? (existing as unknown[])[0]
      : rng.pick(ANY_JSON);
  const lengths = [...scale.hugeItems];
  if (site.shape.kind === 'array' && site.shape.max !== undefined) lengths.push(site.shape.max + 1);
  const n = rng.pick(lengths);
  return withValue(
    seed,
    site.path,
    Array.from({ length: n }, () => item),
  );
}

export function deepValue(seed: Seed, rng: Rng, scale: Scale): Change {
  const site = rng.pick(sites(seed));
  // The value's own nesting starts below its containers: `path.length` of them, the root counting one.
  const limit = 64 - site.path.length;
  const depth = rng.pick([limit, limit + 1, ...scale.depths]);
  const form = rng.pick(['array', 'object', 'mixed'] as const);
  const open = form === 'array' ? '[' : form === 'object' ? '{"a":' : null;
  let text: string;
  if (open !== null) {
    text = open.repeat(depth) + 'null' + (form === 'array' ? ']' : '}').repeat(depth);
  } else {
    const half = Math.floor(depth / 2);
    text = '[{"a":'.repeat(half) + '1' + '}]'.repeat(half);
  }
  return withRaw(seed, site.path, text);
}

export function invalidUtf8(seed: Seed, rng: Rng): Change {
  const all = sites(seed);
  const strings = all.filter((s) => s.shape.kind === 'string' || s.shape.kind === 'enum');
  const site = rng.pick(strings.length > 0 && rng.chance(0.85) ? strings : all);
  const here = getAt(seed.body, site.path);
  const prefix = typeof here === 'string' && rng.chance(0.5) ? here : '';
  const bad = rng.chance(0.6)
    ? Buffer.from(rng.pick(BAD_UTF8))
    : Buffer.from(rng.pick(ODD_ESCAPES));
  const inString = rng.chance(0.9);
  const bytes = inString
    ? Buffer.concat([Buffer.from(`"${escapeForJson(prefix)}`), bad, Buffer.from('"')])
    : bad;
  return withRaw(seed, site.path, bytes);
}

function escapeForJson(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}
