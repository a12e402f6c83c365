/**
 * @module Helpers shared by the store contract suites (test code: imports vitest).
 */
import { LaunchError } from '@tminus/sdk';
import { expect } from 'vitest';

import type { ApiKeyRecord, NewEntity } from './store.js';

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

/** A new entity with its default queue. */
export const entity = (
  name: string,
  kind: 'user' | 'team',
  admin: string | null,
  at: number,
): NewEntity => ({
  name,
  kind,
  admin,
  now: at,
  defaultQueue: {
    id: `q_${name}_default`,
    entity: name,
    name: 'default',
    resource: 'local-process',
    config: {},
    templateVariables: {},
    prioritization: true,
    maxAttempts: 1,
    createdAt: new Date(at).toISOString(),
    createdAtMs: at,
  },
});

/** A user's API key record. */
export const key = (id: string, user: string, extra: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id,
  name: 'cli',
  hash: `hash-${id}`,
  entity: user,
  kind: 'user',
  user,
  queues: null,
  prefix: `tmk_${id}`,
  createdAt: 1_000,
  revokedAt: null,
  ...extra,
});
