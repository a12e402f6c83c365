/**
 * @module `Api`: the typed HTTP client for every route in the route table. Requests and responses
 * are validated with the protocol's zod schemas; failures become `LaunchError`s with the server's code.
 */
import { ErrorBody, type ErrorCode, HTTP_STATUS_BY_CODE } from './protocol/errors.js';
import { type RouteInput, type RouteName, type RouteOutput, routes } from './protocol/routes.js';
import { type Credentials, resolveCredentials } from './credentials.js';
import { LaunchError } from './errors.js';
import {
  fetchTransport,
  type HttpRequest,
  type HttpResponse,
  newDefaultTransport,
  type Transport,
} from './transport.js';

export interface ApiOptions extends Credentials {
  /** Send requests with this `fetch` (proxies, tests) instead of the default transport. */
  readonly fetch?: typeof fetch;
}

export interface RequestOptions {
  readonly signal?: AbortSignal | undefined;
  readonly headers?: Readonly<Record<string, string>>;
}

const CODE_BY_STATUS = new Map<number, ErrorCode>(
  Object.entries(HTTP_STATUS_BY_CODE).map(([code, status]) => [status, code as ErrorCode]),
);

/** A client for one tminus server. */
export class Api {
  readonly baseUrl: string;
  readonly #apiKey: string | undefined;
  readonly #transport: Transport;

  constructor(options: ApiOptions = {}) {
    const { baseUrl, apiKey } = resolveCredentials(options);
    this.baseUrl = baseUrl;
    this.#apiKey = apiKey;
    this.#transport =
      options.fetch === undefined ? newDefaultTransport() : fetchTransport(options.fetch);
  }

  /** Calls one route of the route table. */
  async request<N extends RouteName>(
    name: N,
    input: RouteInput<N>,
    options: RequestOptions = {},
  ): Promise<RouteOutput<N>> {
    const route = routes[name];
    let response: HttpResponse;
    try {
      response = await this.#transport(this.#prepare(route, input as Partial<AnyInput>, options));
    } catch (error) {
      throw toTransportError(error, this.baseUrl, options.signal);
    }
    if (response.status < 200 || response.status > 299) throw toLaunchError(response);
    if (name === 'downloadBlob') return response.body as RouteOutput<N>;
    const parsed = route.response.safeParse(parseJson(response.body));
    if (!parsed.success) {
      throw new LaunchError(
        'INTERNAL',
        `The server sent an unexpected response to ${route.method} ${route.path}`,
        {
          details: { issues: parsed.error.issues },
          hint: 'Check that the SDK and the server are the same version.',
        },
      );
    }
    return parsed.data as RouteOutput<N>;
  }

  #prepare(
    route: (typeof routes)[RouteName],
    input: Partial<AnyInput>,
    options: RequestOptions,
  ): HttpRequest {
    let path: string = route.path;
    if (input.params !== undefined) {
      for (const [key, value] of Object.entries(input.params))
        path = path.replace(`:${key}`, encodeURIComponent(scalar(value)));
    }
    // Most calls (every enqueue) have no query: no URLSearchParams for them.
    let qs = '';
    if (input.query !== undefined) {
      const search = new URLSearchParams();
      for (const [key, value] of Object.entries(input.query)) {
        if (value !== undefined && value !== null) search.set(key, scalar(value));
      }
      if (search.size > 0) qs = `?${search.toString()}`;
    }
    const headers: Record<string, string> = { ...options.headers };
    if (this.#apiKey !== undefined) headers.authorization = `Bearer ${this.#apiKey}`;
    let body: string | Uint8Array | undefined;
    if (input.raw !== undefined) {
      headers['content-type'] = 'application/octet-stream';
      body = input.raw;
    } else if (input.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(input.body);
    }
    return {
      method: route.method,
      url: `${this.baseUrl}/api/v1${path}${qs}`,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    };
  }
}

interface AnyInput {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
  raw: Uint8Array;
}

const decoder = new TextDecoder();

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(body));
  } catch {
    return undefined;
  }
}

function toLaunchError(response: HttpResponse): LaunchError {
  const parsed = ErrorBody.safeParse(parseJson(response.body));
  if (parsed.success) {
    const { code, message, hint, details } = parsed.data.error;
    return new LaunchError(code, message, {
      ...(hint === undefined ? {} : { hint }),
      details: { ...details, status: response.status },
    });
  }
  const code = CODE_BY_STATUS.get(response.status) ?? 'INTERNAL';
  return new LaunchError(
    code,
    `HTTP ${response.status}: ${decoder.decode(response.body).slice(0, 200)}`,
  );
}

function toTransportError(error: unknown, baseUrl: string, signal?: AbortSignal): LaunchError {
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof LaunchError) return reason;
    return new LaunchError('ABORTED', 'The operation was aborted', { cause: error });
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new LaunchError(
    'UNAVAILABLE',
    `Could not reach the tminus server at ${baseUrl}: ${detail}`,
    {
      hint: 'Start it with `npm start` (or `tminus up`), or point TMINUS_BASE_URL at a running server.',
      cause: error,
    },
  );
}

function scalar(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : JSON.stringify(value);
}
