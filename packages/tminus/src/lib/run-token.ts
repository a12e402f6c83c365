/**
 * @module Run tokens: the credential a launched program gets (`TMINUS_RUN_TOKEN`), good for its own
 * run only and only while that attempt is live. It is derived from the attempt's fencing token by a
 * one-way hash, so the agent (which holds the fencing token) makes it without asking the server, the
 * server checks it against the run's current token without storing anything more, a retry (new
 * fencing token) voids the old attempt's token, and the program cannot recover the fencing token
 * (which would let it report states in the agent's name).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const PREFIX = 'tmr_';
const SEPARATOR = '.';

function digest(fencingToken: string): string {
  return createHash('sha256').update(`tminus-run-token:${fencingToken}`).digest('hex');
}

/** `tmr_<runId>.<hex>` (run ids never contain a dot). */
export function runTokenFor(runId: string, fencingToken: string): string {
  return `${PREFIX}${runId}${SEPARATOR}${digest(fencingToken)}`;
}

export function isRunToken(credential: string): boolean {
  return credential.startsWith(PREFIX);
}

/** The run id a run token names, or undefined if it is not shaped like one. */
export function runIdOfToken(token: string): string | undefined {
  if (!isRunToken(token)) return undefined;
  const at = token.lastIndexOf(SEPARATOR);
  if (at <= PREFIX.length) return undefined;
  return token.slice(PREFIX.length, at);
}

/** Whether `token` is the run token of `runId` for the attempt holding `fencingToken` (constant time). */
export function runTokenMatches(token: string, runId: string, fencingToken: string): boolean {
  const expected = Buffer.from(runTokenFor(runId, fencingToken));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
