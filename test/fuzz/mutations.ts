/**
 * @module Every kind of mutation, where it applies and how often it is drawn in each phase. The huge
 * and deep ones cost the most time and are drawn least.
 */
import type { Change, Scale } from './change.js';
import {
  bodyOnRead,
  duplicateKey,
  emptyBody,
  notJson,
  rawBody,
  topLevelType,
  truncatedJson,
  wrongContentType,
} from './mutate-document.js';
import {
  badNumber,
  badString,
  deepValue,
  hasJsonBody,
  hugeArray,
  hugeString,
  invalidUtf8,
  missingField,
  unknownField,
  wrongType,
} from './mutate-values.js';
import { oddHeader } from './mutate-headers.js';
import {
  hasParams,
  hasQuery,
  pathBadSegment,
  pathHuge,
  pathInvalidUtf8,
  pathShape,
  queryBadValue,
  queryDuplicate,
  queryHuge,
  queryInvalidUtf8,
  queryUnknown,
} from './mutate-url.js';
import type { Phase } from './credentials.js';
import type { Rng } from './prng.js';
import type { Seed } from './seed.js';

interface Mutator {
  readonly applies: (seed: Seed) => boolean;
  /**
   * How often it is drawn in each phase. The writes phase favours mutations that leave a request
   * valid (edge strings, unknown fields, odd headers): those reach the handlers and the stores; the
   * ones the schemas refuse were the read-only phase's work.
   */
  readonly weight: Readonly<Record<Phase, number>>;
  readonly mutate: (seed: Seed, rng: Rng, scale: Scale) => Change | undefined;
}

const always = () => true;
const bodiless = (seed: Seed) => !hasJsonBody(seed) && seed.route.rawBody !== true;
const upload = (seed: Seed) => seed.route.rawBody === true;

export const MUTATORS = {
  seed: {
    applies: always,
    weight: { 'read-only': 2, writes: 4 },
    mutate: (seed) => ({ where: '(unchanged)', parts: seed.parts }),
  },
  'wrong-type': { applies: hasJsonBody, weight: { 'read-only': 14, writes: 3 }, mutate: wrongType },
  'missing-field': {
    applies: hasJsonBody,
    weight: { 'read-only': 6, writes: 2 },
    mutate: missingField,
  },
  'unknown-field': {
    applies: hasJsonBody,
    weight: { 'read-only': 6, writes: 8 },
    mutate: unknownField,
  },
  'bad-string': { applies: hasJsonBody, weight: { 'read-only': 8, writes: 10 }, mutate: badString },
  'bad-number': { applies: hasJsonBody, weight: { 'read-only': 5, writes: 2 }, mutate: badNumber },
  'huge-string': {
    applies: hasJsonBody,
    weight: { 'read-only': 0.6, writes: 1 },
    mutate: hugeString,
  },
  'huge-array': {
    applies: hasJsonBody,
    weight: { 'read-only': 0.4, writes: 0.4 },
    mutate: hugeArray,
  },
  'deep-value': { applies: hasJsonBody, weight: { 'read-only': 2, writes: 1 }, mutate: deepValue },
  'invalid-utf8': {
    applies: hasJsonBody,
    weight: { 'read-only': 6, writes: 8 },
    mutate: invalidUtf8,
  },
  'empty-body': {
    applies: hasJsonBody,
    weight: { 'read-only': 1, writes: 0.5 },
    mutate: emptyBody,
  },
  'truncated-json': {
    applies: hasJsonBody,
    weight: { 'read-only': 2, writes: 0.5 },
    mutate: truncatedJson,
  },
  'not-json': { applies: hasJsonBody, weight: { 'read-only': 2, writes: 0.5 }, mutate: notJson },
  'top-level-type': {
    applies: hasJsonBody,
    weight: { 'read-only': 1, writes: 0.5 },
    mutate: topLevelType,
  },
  'duplicate-key': {
    applies: hasJsonBody,
    weight: { 'read-only': 1, writes: 2 },
    mutate: duplicateKey,
  },
  'wrong-content-type': {
    applies: hasJsonBody,
    weight: { 'read-only': 1, writes: 2 },
    mutate: wrongContentType,
  },
  'body-on-read': { applies: bodiless, weight: { 'read-only': 3, writes: 3 }, mutate: bodyOnRead },
  'raw-body': { applies: upload, weight: { 'read-only': 6, writes: 3 }, mutate: rawBody },
  'query-bad-value': {
    applies: hasQuery,
    weight: { 'read-only': 8, writes: 4 },
    mutate: queryBadValue,
  },
  'query-duplicate': {
    applies: hasQuery,
    weight: { 'read-only': 3, writes: 3 },
    mutate: queryDuplicate,
  },
  'query-invalid-utf8': {
    applies: always,
    weight: { 'read-only': 3, writes: 3 },
    mutate: queryInvalidUtf8,
  },
  'query-huge': { applies: always, weight: { 'read-only': 0.5, writes: 0.5 }, mutate: queryHuge },
  'query-unknown': { applies: always, weight: { 'read-only': 1, writes: 2 }, mutate: queryUnknown },
  'path-bad-segment': {
    applies: hasParams,
    weight: { 'read-only': 5, writes: 2 },
    mutate: pathBadSegment,
  },
  'path-invalid-utf8': {
    applies: hasParams,
    weight: { 'read-only': 4, writes: 1 },
    mutate: pathInvalidUtf8,
  },
  'path-huge': { applies: hasParams, weight: { 'read-only': 1, writes: 0.5 }, mutate: pathHuge },
  'path-shape': { applies: always, weight: { 'read-only': 2, writes: 1 }, mutate: pathShape },
  'odd-header': { applies: always, weight: { 'read-only': 1.5, writes: 5 }, mutate: oddHeader },
} as const satisfies Record<string, Mutator>;

export type MutationKind = keyof typeof MUTATORS;
export const MUTATION_KINDS = Object.keys(MUTATORS) as MutationKind[];

export interface Mutation extends Change {
  readonly kind: MutationKind;
}

/** One mutation of `seed`, drawn by weight among the kinds that apply to its route. */
export function mutate(seed: Seed, rng: Rng, scale: Scale, phase: Phase): Mutation {
  const kinds = MUTATION_KINDS.filter((k) => MUTATORS[k].applies(seed)).map(
    (k) => [k, (MUTATORS[k] as Mutator).weight[phase]] as const,
  );
  for (let attempt = 0; attempt < 8; attempt++) {
    const kind = rng.weighted(kinds);
    const mutator: Mutator = MUTATORS[kind];
    const change = mutator.mutate(seed, rng, scale);
    if (change !== undefined) return { kind, ...change };
  }
  return { kind: 'seed', where: '(unchanged)', parts: seed.parts };
}
