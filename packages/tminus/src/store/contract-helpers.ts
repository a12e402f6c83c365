/**
 * @module Helpers shared by the store contract suites (test code: imports vitest).
 */
import { LaunchError } from '@tminus/sdk';
import { expect } from 'vitest';

/** Resolves to the error a promise rejects with; fails the test when it resolves or throws another kind. */
export async function failure(promise: Promise<unknown>): Promise<LaunchError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LaunchError);
  return error as LaunchError;
}

/** What a user sees of an error: its code, message and hint, compared word for word. */
export interface SeenError {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
}

export async function expectFailure(promise: Promise<unknown>, expected: SeenError): Promise<void> {
  const error = await failure(promise);
  expect({ code: error.code, message: error.message, hint: error.hint }).toEqual({
    hint: undefined,
    ...expected,
  });
}
