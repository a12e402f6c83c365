/**
 * @module The one seam between `Api` and the network: a request goes out, a status and the whole
 * body come back. Isomorphic code uses `fetchTransport`; the Node entry installs a leaner one on
 * `node:http` (`node-transport.ts`), because undici's `fetch` costs several times more CPU per call
 * than a keep-alive `http.request`, and agents and scripts make many small calls.
 */
export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: Uint8Array;
}

/** Throws on transport failure (connection refused, reset, aborted); any HTTP status is a response. */
export type Transport = (request: HttpRequest) => Promise<HttpResponse>;

export function fetchTransport(
  fetchImpl: typeof fetch = (input, init) => fetch(input, init),
): Transport {
  return async (request) => {
    const response = await fetchImpl(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body as BodyInit }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
    return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
  };
}

let defaultTransport: () => Transport = () => fetchTransport();

/** Installed by the Node entry point: every `Api` created without `fetch` uses it. */
export function setDefaultTransport(factory: () => Transport): void {
  defaultTransport = factory;
}

export function newDefaultTransport(): Transport {
  return defaultTransport();
}
