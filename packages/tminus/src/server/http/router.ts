/**
 * @module Path matching for the route table: `/queues/:entity/:name` style patterns, static segments
 * preferred over parameters (so `/runs/direct` is not taken for `/runs/:id`). Pure; no I/O.
 */
type Segment = { readonly static: string } | { readonly param: string };

interface Entry<T> {
  readonly segments: readonly Segment[];
  readonly value: T;
}

export interface RouteMatch<T> {
  readonly value: T;
  readonly params: Record<string, string>;
}

export class Router<T> {
  readonly #byMethod = new Map<string, Entry<T>[]>();

  add(method: string, pattern: string, value: T): void {
    const segments = split(pattern).map((s): Segment =>
      s.startsWith(':') ? { param: s.slice(1) } : { static: s },
    );
    const entries = this.#byMethod.get(method) ?? [];
    entries.push({ segments, value });
    // More static segments first; among equals, the first added wins.
    entries.sort((a, b) => staticCount(b.segments) - staticCount(a.segments));
    this.#byMethod.set(method, entries);
  }

  /** The route for a path (without the query string); throws `URIError` on a malformed escape. */
  match(method: string, pathname: string): RouteMatch<T> | undefined {
    const parts = split(pathname);
    for (const entry of this.#byMethod.get(method) ?? []) {
      const params = matchSegments(entry.segments, parts);
      if (params !== undefined) return { value: entry.value, params };
    }
    return undefined;
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function staticCount(segments: readonly Segment[]): number {
  return segments.filter((s) => 'static' in s).length;
}

function matchSegments(
  segments: readonly Segment[],
  parts: readonly string[],
): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const part = parts[i]!;
    if ('static' in segment) {
      if (segment.static !== part) return undefined;
    } else {
      params[segment.param] = decodeURIComponent(part);
    }
  }
  return params;
}
