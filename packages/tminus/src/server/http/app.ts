/**
 * @module The HTTP app: every route of the route table under `/api/v1`, each request authenticated
 * and validated before its handler runs.
 */
import { LaunchError } from '@tminus/sdk';
import { type RouteDef, type RouteName, routes } from '@tminus/sdk/protocol';
import { Hono } from 'hono';

import type { Authenticator } from '../auth.js';
import { parsePart, toErrorResponse } from './errors.js';
import type { Handlers, RequestContext } from './handler-types.js';
import { buildOpenApi } from './openapi.js';

type AnyHandler = (input: unknown, ctx: RequestContext) => Promise<unknown>;

export function createApp(handlers: Handlers, auth: Authenticator, version: string, log: (line: string) => void): Hono {
  const app = new Hono();
  const openapi = buildOpenApi(version);

  app.get('/api/v1/openapi.json', async (c) => {
    await auth.authenticate(c.req.header('authorization'));
    return c.json(openapi);
  });

  for (const [name, route] of Object.entries(routes) as [RouteName, RouteDef][]) {
    const handler = handlers[name] as AnyHandler;
    app.on(route.method, `/api/v1${route.path}`, async (c) => {
      const context: RequestContext = {
        auth: await auth.authenticate(c.req.header('authorization')),
        signal: c.req.raw.signal,
        idempotencyKey: c.req.header('idempotency-key'),
      };
      const input = {
        params: route.params ? parsePart(route.params, c.req.param(), 'path') : undefined,
        query: route.query ? parsePart(route.query, c.req.query(), 'query') : undefined,
        body: route.body ? parsePart(route.body, await readJson(c.req.raw), 'body') : undefined,
        raw: route.rawBody ? new Uint8Array(await c.req.arrayBuffer()) : undefined,
      };
      const result = await handler(input, context);
      if (result instanceof Uint8Array) {
        return c.body(result as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/octet-stream' });
      }
      return c.json(result as object);
    });
  }

  app.notFound((c) =>
    c.json({ error: { code: 'NOT_FOUND', message: `No route ${c.req.method} ${new URL(c.req.url).pathname}`, hint: 'See /api/v1/openapi.json.' } }, 404),
  );
  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error, log);
    return c.json(body, status as 400);
  });
  return app;
}

async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new LaunchError('INVALID_ARGUMENT', 'Request body is not valid JSON', { hint: 'Send a JSON document with content-type application/json.' });
  }
}
