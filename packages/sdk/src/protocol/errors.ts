/**
 * @module The closed set of error codes and their one mapping to HTTP status codes.
 * The server maps a `LaunchError` to a status with this table; the client maps a status back.
 */
import * as z from 'zod';

export const ErrorCode = {
  /** The request is malformed or a value is out of its allowed range. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** No or an unknown API key. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The key is valid but may not do this. */
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  /** The named entity, queue, job, run or item does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The object exists already, or is in a state that forbids the change. */
  CONFLICT: 'CONFLICT',
  /** The request body is larger than the server accepts (413). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The client did not send the whole request (headers, body) within the server's time limit (408). */
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  /** A write carried a fencing token that no longer owns the run (another agent or attempt does). */
  STALE_TOKEN: 'STALE_TOKEN',
  /** The request is valid but cannot be honoured yet (a capability that arrives later). */
  UNIMPLEMENTED: 'UNIMPLEMENTED',
  /** The server could not be reached or is shutting down. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** A wait ran out of time before the awaited state was reached. */
  TIMEOUT: 'TIMEOUT',
  /** The caller aborted the operation. */
  ABORTED: 'ABORTED',
  /** A run ended without success (`ExecutionError`). */
  RUN_FAILED: 'RUN_FAILED',
  /** A bug: something the server did not expect. */
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The one code → HTTP status table. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  REQUEST_TIMEOUT: 408,
  STALE_TOKEN: 409,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  ABORTED: 499,
  RUN_FAILED: 422,
  INTERNAL: 500,
};

export const ErrorCodeSchema = z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]);

/** What every error response body looks like: `{ error: { code, message, details } }`. */
export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCodeSchema,
    message: z.string(),
    hint: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
