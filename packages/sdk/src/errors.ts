/**
 * @module The SDK's errors. Every error carries a code from the closed set in `protocol/errors.ts`;
 * errors from the server carry the server's code, message, hint and details unchanged.
 */
import type { ErrorCode } from './protocol/errors.js';

export interface LaunchErrorOptions {
  /** What the user can do about it. */
  readonly hint?: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/** A launch failed for a known reason: bad input, unknown queue, server unreachable, … */
export class LaunchError extends Error {
  override readonly name: string = 'LaunchError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: LaunchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }
}

/** A run ended without success (W&B's `ExecutionError`): synchronous `launch()` throws it. */
export class ExecutionError extends LaunchError {
  override readonly name: string = 'ExecutionError';

  constructor(message: string, options: LaunchErrorOptions = {}) {
    super('RUN_FAILED', message, options);
  }
}

export function isLaunchError(error: unknown): error is LaunchError {
  return error instanceof LaunchError;
}

export function invalidArgument(message: string, hint?: string, details?: Record<string, unknown>) {
  return new LaunchError('INVALID_ARGUMENT', message, {
    ...(hint === undefined ? {} : { hint }),
    ...(details === undefined ? {} : { details }),
  });
}
