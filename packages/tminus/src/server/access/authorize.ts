/**
 * @module The authorization step of every request: the route's policy, given the validated input.
 */
import type { RouteName } from '@tminus/sdk/protocol';

import type { Authorize } from '../http/app.js';
import type { Guard } from './guard.js';
import { policies } from './policies.js';

type AnyPolicy = (input: unknown, who: Parameters<Authorize>[2], guard: Guard) => unknown;

export function createAuthorize(guard: Guard): Authorize {
  return async (name: RouteName, input, who) => {
    await (policies[name] as AnyPolicy)(input, who, guard);
  };
}
