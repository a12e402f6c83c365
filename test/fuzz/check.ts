/**
 * @module What every answer must be: never a 5xx or no answer at all (save a reset for a request the
 * server refuses before reading it whole); the status the oracle predicts
 * (400 for a request the schemas refuse, 401 without a credential, 404 for no route); an error in
 * the one error shape, its code matching its status; a success in the route's response schema; and,
 * in the `read-only` phase, no write accepted (nothing the fuzzer sends then may change data). In the
 * `writes` phase a request the schemas accept may be held past the client's patience (a long-poll
 * with its default wait): it is abandoned, which is no fault of the server's.
 */
import { ErrorBody, HTTP_STATUS_BY_CODE, type RouteDef, routes } from '@tminus/sdk/protocol';

import type { FuzzCredential, Phase } from './credentials.js';
import type { Outcome } from './http-client.js';
import type { Verdict } from './oracle.js';
import type { WireRequest } from './wire.js';

/** The problem with an answer, or undefined if it is what it must be. */
export function problemWith(
  phase: Phase,
  verdict: Verdict,
  credential: FuzzCredential,
  req: WireRequest,
  outcome: Outcome,
): string | undefined {
  const { method } = req;
  if (outcome.kind === 'error') {
    return refusedUnread(verdict, credential, req) ? undefined : `no answer: ${outcome.message}`;
  }
  if (outcome.kind === 'timeout') {
    return phase === 'writes' && verdict.kind === 'valid'
      ? undefined
      : `no answer within ${outcome.afterMs} ms`;
  }
  const { status } = outcome;
  if (status >= 500) return `server error ${status}`;
  const expected = expectedStatus(verdict, credential);
  if (expected !== undefined && status !== expected)
    return `status ${status}, expected ${expected}`;
  if (status >= 400) return errorShapeProblem(outcome);
  if (status < 200 || status >= 300) return `unexpected status ${status}`;
  if (verdict.kind !== 'valid') return `success for a request the server must refuse`;
  if (phase === 'read-only' && method !== 'GET') {
    return 'a write was accepted (nothing fuzzed in this phase may change data)';
  }
  const route: RouteDef = routes[verdict.route];
  if (!outcome.contentType.startsWith('application/json')) return undefined; // a blob
  const body = parse(outcome.body);
  const parsed = route.response.safeParse(body);
  return parsed.success
    ? undefined
    : `answer not in the route's response schema: ${parsed.error.message.slice(0, 300)}`;
}

/** Bodies up to this size arrive with their headers and are read whole, whatever the answer. */
const SMALL_BODY = 16 * 1024;

/**
 * Whether the server refuses the request before reading all of it (a request line over node's
 * limit; a large body behind a missing key, an unknown route or a bad path or query). It then closes
 * the connection on unread bytes, which TCP may turn into a reset that overtakes the answer: no
 * answer is no fault then. Every other request must be answered.
 */
function refusedUnread(verdict: Verdict, credential: FuzzCredential, req: WireRequest): boolean {
  if (verdict.kind === 'bad-head') return verdict.tooLong;
  if ((req.body?.length ?? 0) <= SMALL_BODY) return false;
  if (verdict.kind !== 'valid' && verdict.kind !== 'invalid') return true;
  if (credential === 'none' || credential === 'bogus') return true;
  return verdict.kind === 'invalid' && (verdict.why === 'path' || verdict.why === 'query');
}

function expectedStatus(verdict: Verdict, credential: FuzzCredential): number | undefined {
  switch (verdict.kind) {
    case 'no-route':
      return 404;
    case 'bad-escape':
    case 'bad-head':
      return 400;
    case 'invalid':
    case 'valid':
      if (credential === 'none' || credential === 'bogus') return 401;
      return verdict.kind === 'invalid' ? 400 : undefined;
  }
}

function errorShapeProblem(outcome: Extract<Outcome, { kind: 'response' }>): string | undefined {
  if (!outcome.contentType.startsWith('application/json')) {
    return `error answered as ${outcome.contentType || 'no content type'}`;
  }
  const parsed = ErrorBody.safeParse(parse(outcome.body));
  if (!parsed.success)
    return `error not in the error shape: ${outcome.body.subarray(0, 200).toString()}`;
  const { code } = parsed.data.error;
  if (HTTP_STATUS_BY_CODE[code] !== outcome.status) {
    return `error code ${code} answered with status ${outcome.status}`;
  }
  return undefined;
}

function parse(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
