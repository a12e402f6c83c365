/**
 * @module A request as the fuzzer builds it (parts it can mutate one at a time) and as it goes on the
 * wire (method, target, headers, body bytes). Path segments and query pairs are kept percent-encoded,
 * so a mutation can put any escape there; a JSON body can carry raw byte splices (invalid UTF-8, a
 * nesting ten thousand levels deep, a truncated document) where a marker string stands in its value.
 */

export type Body =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'json';
      readonly value: unknown;
      /** Marker string (as a JSON value inside `value`) → the raw bytes sent in its place. */
      readonly splices: ReadonlyMap<string, Buffer>;
    }
  | { readonly kind: 'bytes'; readonly bytes: Buffer };

export interface Parts {
  readonly method: string;
  /** The route's path under `/api/v1`, `:param` segments filled from `params`. */
  readonly template: string;
  /** Path parameters, percent-encoded. */
  readonly params: Readonly<Record<string, string>>;
  /** Query pairs, percent-encoded, in order (duplicates allowed). */
  readonly query: readonly (readonly [string, string])[];
  /** Headers other than `authorization` and `content-length`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Body;
}

export interface WireRequest {
  readonly method: string;
  /** Path and query string as sent. */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
}

export const API_PREFIX = '/api/v1';

export function toWire(parts: Parts): WireRequest {
  const path = parts.template.replace(
    /:(\w+)/g,
    (whole, name: string) => parts.params[name] ?? whole,
  );
  const qs = parts.query.map(([k, v]) => `${k}=${v}`).join('&');
  return {
    method: parts.method,
    target: `${API_PREFIX}${path}${qs === '' ? '' : `?${qs}`}`,
    headers: parts.headers,
    body: bodyBytes(parts.body),
  };
}

function bodyBytes(body: Body): Buffer | undefined {
  switch (body.kind) {
    case 'none':
      return undefined;
    case 'bytes':
      return body.bytes;
    case 'json': {
      const text = JSON.stringify(body.value) ?? '';
      if (body.splices.size === 0) return Buffer.from(text);
      const chunks: Buffer[] = [];
      let from = 0;
      for (const match of text.matchAll(/"(@@splice-\d+@@)"/g)) {
        const bytes = body.splices.get(match[1]!);
        if (bytes === undefined) continue;
        chunks.push(Buffer.from(text.slice(from, match.index)), bytes);
        from = match.index + match[0].length;
      }
      chunks.push(Buffer.from(text.slice(from)));
      return Buffer.concat(chunks);
    }
  }
}

let markers = 0;
/** A marker to put in a JSON value where `bytes` go on the wire. */
export function splice(bytes: Buffer | string): { marker: string; bytes: Buffer } {
  return {
    marker: `@@splice-${markers++}@@`,
    bytes: typeof bytes === 'string' ? Buffer.from(bytes) : bytes,
  };
}

/** A readable rendering of a request, for failure reports (long bodies cut). */
export function describeRequest(req: WireRequest, credential: string, limit = 400): string {
  const headers = Object.entries(req.headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  const target =
    req.target.length > limit
      ? `${req.target.slice(0, limit)}… (${req.target.length} chars)`
      : req.target;
  const body =
    req.body === undefined
      ? '(no body)'
      : `${req.body.length} bytes: ${JSON.stringify(req.body.subarray(0, limit).toString('latin1'))}${req.body.length > limit ? '…' : ''}`;
  return `${req.method} ${target} as ${credential} [${headers}] ${body}`;
}
