/**
 * @module One fuzz run against a real server over HTTP, on the multi-user world of `startTenants`:
 * a snapshot of the server's data; the `read-only` phase (nothing sent may change data); a health
 * request (`whoami`) and a second snapshot, which must equal the first; then the `writes` phase, whose
 * requests the schemas accept go with keys that may write and reach the stores, and a last health
 * request.
 */
import { join } from 'node:path';

import { call, startTenants, TEAM } from '../helpers/tenants.js';
import type { Scale } from './change.js';
import { type FuzzTally, runFuzz } from './run-fuzz.js';
import type { World } from './seed.js';
import {
  type Snapshot,
  snapshotDiff,
  snapshotFiles,
  snapshotPostgres,
  snapshotSqlite,
} from './snapshot.js';

export interface FuzzPlan {
  readonly seed: number;
  /** Requests of each phase. */
  readonly readOnly: number;
  readonly writes: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
  readonly scale: Scale;
}

export interface FuzzServerResult {
  readonly store: 'SQLite' | 'PostgreSQL';
  readonly readOnly: FuzzTally;
  readonly writes: FuzzTally;
  /** Tables (and file trees) whose content differs after the read-only phase: must be none. */
  readonly dataChanges: readonly string[];
  /** Tables and file trees compared. */
  readonly compared: number;
  /** The status of `whoami` after each phase. */
  readonly health: { readonly afterReadOnly: number; readonly afterWrites: number };
  /** What the server logged as internal errors (the cause of any 500), each message once. */
  readonly serverErrors: readonly string[];
}

/** A request with no answer in this long is a hang (the longest long-poll is 60 s, never asked for). */
const HANG_MS = 30_000;
/** In the writes phase, a request the schemas accept (a long-poll at its default wait) is abandoned after this long. */
const PATIENCE_MS = 2_000;

/** @param database `postgres://…` of an empty database to run on PostgreSQL (default: SQLite). */
export async function fuzzServer(plan: FuzzPlan, database?: string): Promise<FuzzServerResult> {
  const serverErrors: string[] = [];
  const log = (line: string) => {
    const first = line.split('\n', 1)[0]!;
    if (!first.startsWith('internal error') || serverErrors.length >= 20) return;
    if (!serverErrors.some((seen) => seen.startsWith(first))) serverErrors.push(line);
  };
  const t = await startTenants({ ...(database === undefined ? {} : { database }), log });
  try {
    const keys = await t.api(t.keys.teamAdmin).request('listKeys', {});
    const otherAgentKey = keys.items.find(
      (k) => k.kind === 'agent' && t.keys.agentOtherQueue.startsWith(k.prefix),
    );
    if (otherAgentKey === undefined)
      throw new Error('the agent key of the other queue is not listed');
    const world: World = {
      team: TEAM,
      queue: 'default',
      user: 'guest',
      digest: t.digest,
      jobRef: t.jobRef,
      ids: {
        runs: t.runA.runId,
        'queue-items': t.itemId,
        agents: t.agentId,
        keys: otherAgentKey.id,
      },
    };
    const target = {
      url: t.url,
      world,
      secrets: { ...t.keys, runOwn: t.runA.runToken, runOther: t.runB.runToken },
      runId: t.runA.runId,
    };
    const snapshot = async (): Promise<Snapshot> => {
      // A read is answered only once every write it could see is on disk (the store's barrier).
      await t.api(t.keys.serverAdmin).request('whoami', {});
      return {
        ...(database === undefined
          ? snapshotSqlite(join(t.dataDir, 'tminus.db'))
          : await snapshotPostgres(database)),
        ...snapshotFiles(join(t.dataDir, 'blobs'), 'files:blobs'),
        ...snapshotFiles(join(t.dataDir, 'tmp'), 'files:tmp'),
      };
    };
    const health = async () => (await call(t.url, 'whoami', {}, t.keys.serverAdmin)).status;
    const common = {
      seed: plan.seed,
      concurrency: plan.concurrency,
      scale: plan.scale,
      hangMs: HANG_MS,
      patienceMs: PATIENCE_MS,
    };

    const before = await snapshot();
    const readOnly = await runFuzz(target, {
      ...common,
      phase: 'read-only',
      requests: plan.readOnly,
    });
    const afterReadOnly = await health();
    const after = await snapshot();
    const writes = await runFuzz(target, {
      ...common,
      phase: 'writes',
      requests: plan.writes,
    });
    return {
      store: database === undefined ? 'SQLite' : 'PostgreSQL',
      readOnly,
      writes,
      dataChanges: snapshotDiff(before, after),
      compared: Object.keys(before).length,
      health: { afterReadOnly, afterWrites: await health() },
      serverErrors,
    };
  } finally {
    await t.close();
  }
}
