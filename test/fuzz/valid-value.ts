/**
 * @module A valid value for a shape: the seed every mutation starts from. Strings come from a short
 * list of candidates (hints of the world first: the team's name, a real job reference) checked
 * against the string's own schema, so a name, an id or a digest is valid whatever its regex; numbers
 * sit at their lower bound (a long-poll's `waitMs` is then 0); optional fields are present or not at
 * random; a union takes one of its options at random.
 */
import type { Rng } from './prng.js';
import type { Shape } from './schema-shape.js';

/** Strings to prefer, by the key (or the key of the array) that holds them. */
export type Hints = Readonly<Record<string, string>>;

const CANDIDATES = [
  'fuzz',
  'a',
  'fuzz-0',
  `sha256:${'0'.repeat(64)}`,
  'python3',
  'https://example.com/repo.git',
  'entity/project/job:latest',
];

export function validValue(shape: Shape, rng: Rng, hints: Hints, key = ''): unknown {
  switch (shape.kind) {
    case 'string': {
      const hint = hints[key];
      const candidates = [
        ...(hint === undefined ? [] : [hint]),
        ...CANDIDATES,
        'a'.repeat(shape.min),
      ];
      const found = candidates.find((c) => shape.schema.safeParse(c).success);
      if (found === undefined) {
        throw new Error(
          `no candidate string is valid for "${key}"; add one to test/fuzz/valid-value.ts`,
        );
      }
      return found;
    }
    case 'number': {
      const low = shape.min ?? Math.min(0, shape.max ?? 0);
      return shape.int ? Math.ceil(low) : low;
    }
    case 'boolean':
      return rng.chance(0.5);
    case 'enum':
      return rng.pick(shape.values);
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, field] of Object.entries(shape.fields)) {
        if (field.optional && rng.chance(0.5)) continue;
        out[k] = validValue(field.shape, rng, hints, k);
      }
      return out;
    }
    case 'array': {
      const n = Math.min(Math.max(shape.min, 1), shape.max ?? 1);
      return Array.from({ length: n }, () => validValue(shape.item, rng, hints, key));
    }
    case 'record':
      return rng.chance(0.5) ? {} : { k: validValue(shape.value, rng, hints, 'k') };
    case 'union':
      return validValue(rng.pick(shape.options), rng, hints, key);
    case 'nullable':
      return rng.chance(0.2) ? null : validValue(shape.inner, rng, hints, key);
    case 'unknown':
      return rng.pick<unknown>(['v', 1, true, null, { a: 1 }, [1, 'b']]);
  }
}
