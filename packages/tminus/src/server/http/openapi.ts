/**
 * @module The OpenAPI 3.1 document, generated from the route table.
 */
import { type RouteDef, routes } from '@tminus/sdk/protocol';
import { z } from 'zod';

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): unknown {
  try {
    return z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  } catch {
    return {};
  }
}

export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, route] of Object.entries(routes) as [string, RouteDef][]) {
    const path = `/api/v1${route.path.replace(/:(\w+)/g, '{$1}')}`;
    const parameters = [
      ...Object.keys(route.params?.shape ?? {}).map((p) => ({
        name: p,
        in: 'path',
        required: true,
        schema: { type: 'string' },
      })),
      ...Object.entries(route.query?.shape ?? {}).map(([p, s]) => ({
        name: p,
        in: 'query',
        required: false,
        schema: schemaOf(s as z.ZodType, 'input'),
      })),
    ];
    const operation: Record<string, unknown> = {
      operationId: name,
      summary: route.summary,
      parameters,
      responses: {
        '200': {
          description: 'OK',
          content: { 'application/json': { schema: schemaOf(route.response, 'output') } },
        },
        default: { description: 'Error: { error: { code, message, hint?, details? } }' },
      },
    };
    if (route.body !== undefined) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: schemaOf(route.body, 'input') } },
      };
    } else if (route.rawBody) {
      operation.requestBody = {
        required: true,
        content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
      };
    }
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'tminus',
      version,
      description: 'Self-hosted launch system for ML jobs (W&B Launch API).',
    },
    components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
    security: [{ apiKey: [] }],
    paths,
  };
}
