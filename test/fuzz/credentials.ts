/**
 * @module Who sends each fuzzed request. A request the schemas refuse goes mostly with the most
 * privileged keys (if validation let it through, they could do the most harm). One they accept goes
 * only with credentials that cannot write with it — so that nothing the fuzzer sends is supposed to
 * change the server's data — except reads (GET), which anyone may send.
 *
 * No user key is read-only: every user is the admin of their personal entity, and a request that
 * names no entity (or `""`) acts there. A run token writes its own run's metrics. So a write the
 * schemas accept goes with an agent key of another queue, another run's token, or no valid key.
 *
 * The `writes` phase comes after the data has been compared: every request goes with a key that may
 * write, so that the requests the schemas accept reach the handlers and the stores.
 */
import { CREDENTIALS, type Credential } from '../helpers/tenants.js';
import type { Verdict } from './oracle.js';
import type { Rng } from './prng.js';

/** A malformed or unknown `Authorization` header. */
export type FuzzCredential = Credential | 'bogus';

const CANNOT_WRITE: readonly FuzzCredential[] = ['agentOtherQueue', 'runOther', 'none', 'bogus'];

const PRIVILEGED: readonly (readonly [FuzzCredential, number])[] = [
  ['serverAdmin', 6],
  ['teamAdmin', 3],
  ['launcher', 1],
  ['agentOwnQueue', 2],
  ['runOwn', 1],
  ['viewer', 1],
  ['none', 0.5],
  ['bogus', 0.5],
];

const WRITERS: readonly (readonly [FuzzCredential, number])[] = [
  ['serverAdmin', 2],
  ['teamAdmin', 3],
  ['launcher', 3],
  ['member', 1],
  ['agentOwnQueue', 3],
];

export type Phase = 'read-only' | 'writes';

export function chooseCredential(
  phase: Phase,
  verdict: Verdict,
  method: string,
  rng: Rng,
): FuzzCredential {
  if (phase === 'writes') return rng.weighted(WRITERS);
  if (verdict.kind !== 'valid') return rng.weighted(PRIVILEGED);
  if (method === 'GET') return rng.pick([...CREDENTIALS, 'bogus']);
  return rng.pick(CANNOT_WRITE);
}

/** `Authorization` values that name no credential. */
export function bogusAuthorization(rng: Rng, runId: string): string {
  return rng.pick([
    `Bearer tmk_${'0'.repeat(32)}`,
    'Bearer tma_unknown',
    `Bearer tmr_${runId}.deadbeef`,
    `Bearer tmr_${runId}`,
    'Bearer tmr_../../x.y',
    'Bearer tmr_.',
    `Bearer tmr_${'a'.repeat(300)}.b`,
    'Basic dXNlcjpwYXNz',
    'Bearer',
    'Bearer ',
    `Bearer ${'a'.repeat(600)}`,
    'Bearer tmk_\u00e9\u00ff',
    'Token abc',
    'Bearer a b',
  ]);
}
