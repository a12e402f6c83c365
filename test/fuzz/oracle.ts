/**
 * @module What the server must answer a request, decided on the client side by reading the request
 * as the server does — node's HTTP parser (targets of printable ASCII, within its header limit), the
 * server's router over the route table, `decodeURIComponent` of path
 * segments, `URLSearchParams` for the query (the last of duplicate keys wins), UTF-8 decoding (bad
 * bytes become U+FFFD) and `JSON.parse` of the body, the nesting limit — and checking it against the
 * route's own schemas. A request the schemas refuse must be answered 400 whoever sends it (input is
 * validated before the route's policy runs); one they accept may do what its caller may do, so the
 * fuzzer sends it only with credentials that cannot write.
 */
import { MAX_JSON_DEPTH } from '../../packages/tminus/src/server/http/json-depth.js';
import { Router } from '../../packages/tminus/src/server/http/router.js';
import { type RouteDef, type RouteName, routes } from '@tminus/sdk/protocol';

import { API_PREFIX, type WireRequest } from './wire.js';

export type Verdict =
  /** No route has this method and path: 404. */
  | { readonly kind: 'no-route' }
  /** A path segment's percent-encoding is malformed: 400 before anything else. */
  | { readonly kind: 'bad-escape' }
  /** node's HTTP parser refuses the request line, too long or with a raw byte outside ASCII: 400. */
  | { readonly kind: 'bad-head'; readonly tooLong: boolean }
  /** The route's schemas refuse it (or the body is not JSON, or nests too deep): 400. */
  | { readonly kind: 'invalid'; readonly route: RouteName; readonly why: InvalidPart }
  /** The route's schemas accept it. */
  | { readonly kind: 'valid'; readonly route: RouteName };

/** What the schemas (or the JSON reader) refused. */
export type InvalidPart = 'path' | 'query' | 'body' | 'not JSON' | 'too deep';

/** node's default `maxHeaderSize`; request lines well past it are refused by the HTTP parser. */
const NODE_MAX_HEADER_BYTES = 16 * 1024;
/** What the parser takes in a target is printable ASCII; anything else must be percent-encoded. */
const RAW_BYTE = /[^\x21-\x7e]/;

const router = new Router<RouteName>();
for (const [name, route] of Object.entries(routes) as [RouteName, RouteDef][]) {
  router.add(route.method, `${API_PREFIX}${route.path}`, name);
}

export function classify(req: WireRequest): Verdict {
  if (req.target.length > NODE_MAX_HEADER_BYTES) return { kind: 'bad-head', tooLong: true };
  if (RAW_BYTE.test(req.target)) return { kind: 'bad-head', tooLong: false };
  const q = req.target.indexOf('?');
  const pathname = q === -1 ? req.target : req.target.slice(0, q);
  let match;
  try {
    match = router.match(req.method, pathname);
  } catch {
    return { kind: 'bad-escape' };
  }
  if (match === undefined) return { kind: 'no-route' };
  const name = match.value;
  const route: RouteDef = routes[name];
  const invalid = (why: InvalidPart): Verdict => ({ kind: 'invalid', route: name, why });
  if (route.params && !route.params.safeParse(match.params).success) return invalid('path');
  const query = Object.fromEntries(new URLSearchParams(q === -1 ? '' : req.target.slice(q + 1)));
  if (route.query && !route.query.safeParse(query).success) return invalid('query');
  if (route.rawBody) return { kind: 'valid', route: name };
  let json: unknown;
  if (req.body !== undefined && req.body.length > 0) {
    try {
      json = JSON.parse(req.body.toString('utf8'));
    } catch {
      return invalid('not JSON');
    }
    if (depthOf(json) > MAX_JSON_DEPTH) return invalid('too deep');
  }
  if (route.body && !route.body.safeParse(json).success) return invalid('body');
  return { kind: 'valid', route: name };
}

/** Nesting of a parsed JSON value (the outermost object or array counts 1), without recursion. */
export function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [at, depth] = stack.pop()!;
    if (typeof at !== 'object' || at === null) continue;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(at)) stack.push([child, depth + 1]);
  }
  return deepest;
}
