/**
 * @module The HTTP app on `node:http`: every route of the route table under `/api/v1`, each request
 * authenticated and validated before its handler runs, every error answered in the one error shape.
 * No framework: the route table already names methods, paths and schemas, and going through Web
 * `Request` objects cost more CPU per call than the handlers themselves (docs/decisions/0010).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

import { LaunchError } from '@tminus/sdk';
import { type RouteDef, type RouteName, routes } from '@tminus/sdk/protocol';

import type { Principal } from '../access/principal.js';
import type { Authenticator } from '../auth.js';
import { BinaryBody, writeBinary } from './binary-body.js';
import type { BodyReader, RequestBody } from './body.js';
import { ClientGoneError } from './body-stream.js';
import { parsePart, toErrorResponse } from './errors.js';
import type { Handlers, RequestContext } from './handler-types.js';
import { buildOpenApi } from './openapi.js';
import { Router } from './router.js';
import type { StaticFiles } from './static-files.js';

type AnyHandler = (input: unknown, ctx: RequestContext) => Promise<unknown>;

interface Endpoint {
  readonly route: RouteDef | undefined;
  /** The route's policy (access/policies.ts): throws unless the caller may make this call. */
  readonly authorize: AnyHandler;
  readonly handle: AnyHandler;
}

/** Throws unless the caller may call the route with this input (access/policies.ts). */
export type Authorize = (name: RouteName, input: unknown, who: Principal) => Promise<void>;

export interface ListenerOptions {
  readonly handlers: Handlers;
  readonly auth: Authenticator;
  /** Runs after the input is validated and before every route's handler. */
  readonly authorize: Authorize;
  /** Reads bodies within the size limits. The server must route 'checkContinue' here too. */
  readonly bodies: BodyReader;
  readonly version: string;
  readonly log: (line: string) => void;
  /**
   * Awaited before answering a read-only (GET) request: the store's reads may see writes whose fsync
   * is still running, and what a GET hands out must already be on disk. A write request needs no
   * barrier: its own write resolves only once synced, and that sync covers what it read before.
   */
  readonly durable?: () => Promise<void>;
  /** The web UI's files, served at `/` (everything outside `/api/`). */
  readonly ui?: StaticFiles;
}

export function createRequestListener({
  handlers,
  auth,
  authorize,
  bodies,
  version,
  log,
  durable,
  ui,
}: ListenerOptions): RequestListener {
  const router = new Router<Endpoint>();
  const openapi = buildOpenApi(version);
  router.add('GET', '/api/v1/openapi.json', {
    route: undefined,
    authorize: () => Promise.resolve(),
    handle: () => Promise.resolve(openapi),
  });
  for (const [name, route] of Object.entries(routes) as [RouteName, RouteDef][]) {
    router.add(route.method, `/api/v1${route.path}`, {
      route,
      authorize: (input, ctx) => authorize(name, input, ctx.auth),
      handle: handlers[name] as AnyHandler,
    });
  }
  return (req, res) => {
    if (ui !== undefined && serveUi(ui, req, res)) return;
    const body = bodies.open(req, res);
    void respond(router, auth, durable, body, req, res)
      .catch((error: unknown) => {
        // Nobody to answer, and nothing went wrong on this side.
        if (error instanceof ClientGoneError) return void res.destroy();
        const { status, body: errorBody } = toErrorResponse(error, log);
        send(res, status, errorBody, body.unread);
      })
      .finally(() => body.dispose());
  };
}

/** A request outside `/api/` for a file of the web UI, answered from its bundle. */
function serveUi(ui: StaticFiles, req: IncomingMessage, res: ServerResponse): boolean {
  const target = req.url ?? '/';
  if (target.startsWith('/api/')) return false;
  const q = target.indexOf('?');
  return ui.serve(req, res, q === -1 ? target : target.slice(0, q));
}

async function respond(
  router: Router<Endpoint>,
  auth: Authenticator,
  durable: (() => Promise<void>) | undefined,
  body: RequestBody,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const pathname = q === -1 ? target : target.slice(0, q);
  let match;
  try {
    match = router.match(req.method ?? 'GET', pathname);
  } catch {
    throw new LaunchError('INVALID_ARGUMENT', `Malformed percent-encoding in ${pathname}`);
  }
  if (match === undefined) {
    throw new LaunchError('NOT_FOUND', `No route ${req.method ?? ''} ${pathname}`, {
      hint: pathname.startsWith('/api/')
        ? 'See /api/v1/openapi.json.'
        : 'The web UI is at / (build it with `npm run build` if / is not found); the API is under /api/v1 (see /api/v1/openapi.json).',
    });
  }
  const { route, authorize, handle } = match.value;
  const context = requestContext(await auth.authenticate(req.headers.authorization), req, res);
  const params = route?.params ? parsePart(route.params, match.params, 'path') : undefined;
  const query = route?.query
    ? parsePart(
        route.query,
        Object.fromEntries(new URLSearchParams(q === -1 ? '' : target.slice(q + 1))),
        'query',
      )
    : undefined;
  let input;
  if (route?.rawBody) {
    // Authorized before a byte is stored: the policy of an upload looks at the caller, not the bytes.
    await authorize({ params, query }, context);
    input = { params, query, body: undefined, raw: await body.upload() };
  } else {
    const json = await body.json();
    input = { params, query, body: route?.body ? parsePart(route.body, json, 'body') : undefined };
    await authorize(input, context);
  }
  const result = await handle(input, context);
  if (req.method === 'GET' && durable !== undefined) await durable();
  if (result instanceof BinaryBody) return writeBinary(res, result);
  send(res, 200, result);
}

/**
 * Longest `Idempotency-Key` taken (the SDK sends 36-character UUIDs). The key is stored and indexed
 * with the queued run; PostgreSQL cannot index one of a few KiB (it failed with a 500).
 */
export const MAX_IDEMPOTENCY_KEY = 255;

/** The signal (aborted when the client goes away, which ends a long-poll early) is made only when a handler asks. */
function requestContext(
  authContext: RequestContext['auth'],
  req: IncomingMessage,
  res: ServerResponse,
): RequestContext {
  let controller: AbortController | undefined;
  let gone = false;
  res.once('close', () => {
    gone = !res.writableFinished;
    if (gone) controller?.abort();
  });
  const idempotencyKey = header(req, 'idempotency-key');
  if (idempotencyKey !== undefined && idempotencyKey.length > MAX_IDEMPOTENCY_KEY) {
    throw new LaunchError(
      'INVALID_ARGUMENT',
      `Idempotency-Key is longer than ${MAX_IDEMPOTENCY_KEY} characters`,
      { hint: 'Send a short unique key, such as a UUID (what the SDK sends by default).' },
    );
  }
  return {
    auth: authContext,
    idempotencyKey,
    get signal() {
      if (controller === undefined) {
        controller = new AbortController();
        if (gone) controller.abort();
      }
      return controller.signal;
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `close`: the request's body is not all read; the connection closes after the answer. */
function send(res: ServerResponse, status: number, value: unknown, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(body);
}
