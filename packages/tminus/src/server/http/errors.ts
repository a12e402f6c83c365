/**
 * @module The one place errors become HTTP responses, using the protocol's code → status table.
 */
import { LaunchError } from '@tminus/sdk';
import { type ErrorBody, HTTP_STATUS_BY_CODE } from '@tminus/sdk/protocol';
import { ZodError } from 'zod';

export function toErrorResponse(
  error: unknown,
  log: (line: string) => void,
): { status: number; body: ErrorBody } {
  if (error instanceof LaunchError) {
    return {
      status: HTTP_STATUS_BY_CODE[error.code],
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(error.hint === undefined ? {} : { hint: error.hint }),
          ...(Object.keys(error.details).length ? { details: { ...error.details } } : {}),
        },
      },
    };
  }
  if (error instanceof ZodError) {
    const issues = error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    return {
      status: 400,
      body: {
        error: {
          code: 'INVALID_ARGUMENT',
          message: `Invalid request: ${issues.join('; ')}`,
          details: { issues: error.issues },
        },
      },
    };
  }
  log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return {
    status: 500,
    body: { error: { code: 'INTERNAL', message: 'Internal server error; see the server log' } },
  };
}

/** Parses one part of a request, naming the part in the error. */
export function parsePart<T>(
  schema: { parse(value: unknown): T },
  value: unknown,
  part: string,
): T {
  try {
    return schema.parse(value);
  } catch (error) {
    if (error instanceof ZodError) {
      const issues = error.issues.map((i) => `${[part, ...i.path].join('.')}: ${i.message}`);
      throw new LaunchError('INVALID_ARGUMENT', `Invalid request: ${issues.join('; ')}`, {
        details: { issues: error.issues },
      });
    }
    throw error;
  }
}
