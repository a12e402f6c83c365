/**
 * @module The fuzz loop: request `i` of a run is made from the seed and `i` alone (its route is the
 * `i`-th in turn, its mutation and credential drawn from `forRequest(seed, i)`), classified by the
 * oracle, sent, and its answer checked. A few requests are in flight at once. Everything is tallied
 * (status classes and codes, mutation kinds, verdicts) and every problem kept with what reproduces it.
 */
import { type RouteName, routes } from '@tminus/sdk/protocol';

import type { Credential } from '../helpers/tenants.js';
import { problemWith } from './check.js';
import {
  bogusAuthorization,
  chooseCredential,
  type FuzzCredential,
  type Phase,
} from './credentials.js';
import { httpClient } from './http-client.js';
import type { Scale } from './change.js';
import { mutate, type MutationKind } from './mutations.js';
import { classify, type Verdict } from './oracle.js';
import { forRequest } from './prng.js';
import { seedRequest, type World } from './seed.js';
import { describeRequest, toWire } from './wire.js';

export interface FuzzConfig {
  readonly seed: number;
  /** `read-only`: nothing sent may change data; `writes`: keys that may write (see credentials.ts). */
  readonly phase: Phase;
  readonly requests: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
  readonly scale: Scale;
  /** An answer slower than this is a hang. */
  readonly hangMs: number;
  /**
   * In the `writes` phase, a request the schemas accept that has no answer in this long is abandoned
   * (not a failure): a long-poll left at its default wait holds for 25 s.
   */
  readonly patienceMs: number;
}

export interface FuzzTarget {
  readonly url: string;
  readonly world: World;
  /** The key or token of each credential (`none` and `bogus` have none). */
  readonly secrets: Readonly<Record<Exclude<Credential, 'none'>, string>>;
  /** A run id to forge bogus run tokens for. */
  readonly runId: string;
}

export interface Failure {
  readonly index: number;
  readonly route: RouteName;
  readonly kind: MutationKind;
  readonly where: string;
  readonly verdict: Verdict['kind'];
  readonly problem: string;
  readonly request: string;
  readonly answer: string;
}

export interface FuzzTally {
  readonly seed: number;
  readonly phase: Phase;
  requests: number;
  readonly byClass: Record<string, number>;
  readonly byStatus: Record<string, number>;
  readonly byKind: Record<string, Record<string, number>>;
  readonly byVerdict: Record<string, number>;
  readonly byCredential: Record<string, number>;
  readonly failures: Failure[];
  elapsedMs: number;
}

const ROUTE_NAMES = Object.keys(routes) as RouteName[];
const PHASES: readonly Phase[] = ['read-only', 'writes'];
const OUTCOME = { error: 'no answer', timeout: 'held' } as const;

export async function runFuzz(target: FuzzTarget, config: FuzzConfig): Promise<FuzzTally> {
  const tally: FuzzTally = {
    seed: config.seed,
    phase: config.phase,
    requests: 0,
    byClass: {},
    byStatus: {},
    byKind: {},
    byVerdict: {},
    byCredential: {},
    failures: [],
    elapsedMs: 0,
  };
  const client = httpClient(target.url, config.concurrency);
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < config.requests) await one(next++);
  };
  const one = async (index: number) => {
    const rng = forRequest(config.seed, index, PHASES.indexOf(config.phase));
    const route = ROUTE_NAMES[index % ROUTE_NAMES.length]!;
    let mutation, wire, verdict, credential: FuzzCredential, authorization;
    try {
      mutation = mutate(seedRequest(route, target.world, rng), rng, config.scale, config.phase);
      wire = toWire(mutation.parts);
      verdict = classify(wire);
      credential = chooseCredential(config.phase, verdict, wire.method, rng);
      authorization =
        credential === 'none'
          ? undefined
          : credential === 'bogus'
            ? bogusAuthorization(rng, target.runId)
            : `Bearer ${target.secrets[credential]}`;
    } catch (error) {
      // A fault of the fuzzer's own (a schema it cannot make values for): say which request.
      throw new Error(
        `making request #${index} of seed ${config.seed} (${config.phase}, ${route}): ${String(error)}`,
        { cause: error },
      );
    }
    const patient = config.phase === 'writes' && verdict.kind === 'valid';
    const outcome = await client.send(
      wire,
      authorization,
      patient ? config.patienceMs : config.hangMs,
    );
    const status = outcome.kind === 'response' ? String(outcome.status) : OUTCOME[outcome.kind];
    const statusClass =
      outcome.kind === 'response' ? `${String(outcome.status).charAt(0)}xx` : OUTCOME[outcome.kind];
    tally.requests++;
    count(tally.byClass, statusClass);
    count(tally.byStatus, status);
    count((tally.byKind[mutation.kind] ??= {}), status);
    count(tally.byVerdict, verdict.kind);
    count(tally.byCredential, credential);
    const problem = problemWith(config.phase, verdict, credential, wire, outcome);
    if (problem !== undefined) {
      tally.failures.push({
        index,
        route,
        kind: mutation.kind,
        where: mutation.where,
        verdict: verdict.kind,
        problem,
        request: describeRequest(wire, credential),
        answer:
          outcome.kind === 'response'
            ? `${outcome.status} ${outcome.body.subarray(0, 300).toString()}`
            : outcome.kind === 'error'
              ? outcome.message
              : `none within ${outcome.afterMs} ms`,
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: config.concurrency }, worker));
  } finally {
    client.close();
  }
  tally.elapsedMs = performance.now() - started;
  return tally;
}

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1;
}

/** A failure as a reader needs it to reproduce it. */
export function describeFailure(seed: number, phase: Phase, f: Failure): string {
  return [
    `#${f.index} of seed ${seed}, ${phase} phase (TMINUS_FUZZ_SEED=${seed}): ${f.route}, ${f.kind} at ${f.where} [${f.verdict}]`,
    `  problem: ${f.problem}`,
    `  request: ${f.request}`,
    `  answer:  ${f.answer}`,
  ].join('\n');
}
