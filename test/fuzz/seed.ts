/**
 * @module The valid request each mutation starts from, made from the route's schemas. Path
 * parameters name real objects of the fuzzed world where one fits (a run id under `/runs`, an item
 * id under `/queue-items`, …), so that the requests the schemas accept reach the handlers; anything
 * else comes from the schema alone, so a new route is fuzzed without telling the fuzzer about it.
 */
import { type RouteDef, type RouteName, routes } from '@tminus/sdk/protocol';

import type { Rng } from './prng.js';
import { type Shape, shapeOf } from './schema-shape.js';
import { type Hints, validValue } from './valid-value.js';
import type { Parts } from './wire.js';

/** Real objects of the fuzzed world. */
export interface World {
  readonly team: string;
  readonly queue: string;
  readonly user: string;
  readonly digest: string;
  readonly jobRef: string;
  /** Ids by the path's first segment: `runs`, `queue-items`, `agents`, `keys`. */
  readonly ids: Readonly<Record<string, string>>;
}

export interface Seed {
  readonly name: RouteName;
  readonly route: RouteDef;
  readonly shapes: { readonly params?: Shape; readonly query?: Shape; readonly body?: Shape };
  /** Valid values of the parts (decoded). */
  readonly query: Readonly<Record<string, unknown>>;
  readonly body: unknown;
  /** The valid request, encoded. */
  readonly parts: Parts;
}

const shapeCache = new Map<RouteName, Seed['shapes']>();

function shapesOf(name: RouteName): Seed['shapes'] {
  let shapes = shapeCache.get(name);
  if (shapes === undefined) {
    const route: RouteDef = routes[name];
    shapes = {
      ...(route.params ? { params: shapeOf(route.params) } : {}),
      ...(route.query ? { query: shapeOf(route.query) } : {}),
      ...(route.body ? { body: shapeOf(route.body) } : {}),
    };
    shapeCache.set(name, shapes);
  }
  return shapes;
}

export function seedRequest(name: RouteName, world: World, rng: Rng): Seed {
  const route: RouteDef = routes[name];
  const shapes = shapesOf(name);
  const hints: Hints = {
    entity: world.team,
    queueEntity: world.team,
    queue_entity: world.team,
    queue: world.queue,
    queues: world.queue,
    project: 'p',
    job: world.jobRef,
    ref: world.jobRef,
    digest: world.digest,
    user: world.user,
  };
  for (let attempt = 0; ; attempt++) {
    const resource = route.path.split('/')[1] ?? '';
    const params: Record<string, string> = {};
    for (const [key, field] of Object.entries(fieldsOf(shapes.params))) {
      const real = key === 'id' ? world.ids[resource] : key === 'name' ? world.queue : hints[key];
      params[key] = real ?? String(validValue(field, rng, hints, key));
    }
    const query = (shapes.query ? validValue(shapes.query, rng, hints) : {}) as Record<
      string,
      unknown
    >;
    const body = shapes.body ? validValue(shapes.body, rng, hints) : undefined;
    const valid =
      (route.params?.safeParse(params).success ?? true) &&
      (route.query?.safeParse(stringified(query)).success ?? true) &&
      (route.body?.safeParse(body).success ?? true);
    if (valid) {
      return {
        name,
        route,
        shapes,
        query,
        body,
        parts: {
          method: route.method,
          template: route.path,
          params: Object.fromEntries(
            Object.entries(params).map(([k, v]) => [k, encodeURIComponent(v)]),
          ),
          query: Object.entries(stringified(query)).map(([k, v]) => [
            encodeURIComponent(k),
            encodeURIComponent(v),
          ]),
          headers: route.rawBody
            ? { 'content-type': 'application/octet-stream' }
            : body === undefined
              ? {}
              : { 'content-type': 'application/json' },
          body: route.rawBody
            ? { kind: 'bytes', bytes: Buffer.from('fuzz') }
            : body === undefined
              ? { kind: 'none' }
              : { kind: 'json', value: body, splices: new Map() },
        },
      };
    }
    if (attempt === 20) throw new Error(`could not make a valid ${name} request from its schemas`);
  }
}

function fieldsOf(shape: Shape | undefined): Record<string, Shape> {
  if (shape === undefined) return {};
  if (shape.kind !== 'object') throw new Error('path parameters must be an object schema');
  return Object.fromEntries(Object.entries(shape.fields).map(([k, f]) => [k, f.shape]));
}

/** Query values as they travel: strings. */
export function stringified(query: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)]));
}
