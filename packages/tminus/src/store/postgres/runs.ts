/**
 * @module The PostgreSQL adapter's runs: created (directly, or by an ack), read, paged newest first,
 * updated fenced by the owner's token (batched, hot-writes.ts) or unfenced from listed states (a
 * user's cancel), and their leases extended by heartbeats.
 */
import type { Run } from '@tminus/sdk/protocol';

import { runExists, runRefused } from '../errors.js';
import { type BareRunRow, type RunRow, toRun, toTransition, type TransitionRow } from '../rows.js';
import { patchSet, patchValues } from '../run-patch.js';
import { jobNeedle, runCursor, runPage } from '../run-pages.js';
import type { NewRun, RunsPort } from '../store.js';
import { RUN_COLUMNS, runValues } from '../values.js';
import { params, type PostgresContext } from './context.js';
import { type Db, isUniqueViolation } from './pg-queries.js';

/** A run with its queue's name. */
const RUN_SELECT = `SELECT r.*, q.name AS queue_name
  FROM runs r LEFT JOIN queues q ON q.id = r.queue_id`;
/** Params: the values of RUN_COLUMNS. */
const INSERT_RUN = `INSERT INTO runs (${RUN_COLUMNS}) VALUES (${params(17)}) RETURNING *`;
/** Params: id. */
const RUN_BY_ID = `${RUN_SELECT} WHERE r.id = $1`;
/** Params: id. */
const RUN_TOKEN = `SELECT fencing_token FROM runs WHERE id = $1`;
/** Params: entity, project, queue id, state, job needle (run-pages.ts), cursor (each or null), limit. */
const RUN_PAGE = `${RUN_SELECT}
  WHERE ($1::text IS NULL OR r.entity = $1) AND ($2::text IS NULL OR r.project = $2)
    AND ($3::text IS NULL OR r.queue_id = $3) AND ($4::text IS NULL OR r.state = $4)
    AND ($5::text IS NULL OR strpos('/' || r.job || ':', $5) > 0)
    AND ($6::bigint IS NULL OR r.seq < $6)
  ORDER BY r.seq DESC LIMIT $7`;
/** Params: the patch ($1–$8, run-patch.ts), id, the states it may be in. */
const TRANSITION = `UPDATE runs SET ${patchSet((_, index) => `$${index + 1}`)}
  WHERE id = $9 AND state = ANY($10::text[]) RETURNING *`;
/** Params: ids. */
const RUNS_BY_IDS = `${RUN_SELECT} WHERE r.id = ANY($1::text[]) ORDER BY r.seq`;
/** Params: lease expiry, ids, their tokens. Returns the ids the tokens still own. */
const EXTEND_LEASES = `UPDATE runs SET lease_expires_at = $1
  FROM unnest($2::text[], $3::text[]) AS mine(id, token)
  WHERE runs.id = mine.id AND runs.fencing_token = mine.token RETURNING runs.id`;
/** Params: agent id, state. */
const RUNS_OF_AGENT = `SELECT id FROM runs WHERE agent_id = $1 AND state = $2 ORDER BY seq`;
/** Params: run id. */
const RUN_HISTORY = `SELECT at, from_state, to_state, attempt FROM run_transitions WHERE run_id = $1 ORDER BY seq`;

/** Inserts a run on `db` (also inside an ack's transaction). */
export async function insertRun(context: PostgresContext, db: Db, run: NewRun): Promise<Run> {
  try {
    const row = await context.queries.one<BareRunRow>(db, INSERT_RUN, runValues(run));
    return await context.runOf(row!);
  } catch (error) {
    if (isUniqueViolation(error)) throw runExists(run.id);
    throw error;
  }
}

export function postgresRuns(context: PostgresContext): RunsPort {
  const { pool, hot, queries, runOf } = context;
  const { one, rows } = queries;
  return {
    createRun: (run) => insertRun(context, pool, run),
    async getRun(id) {
      const row = await one<RunRow>(pool, RUN_BY_ID, [id]);
      return row && toRun(row);
    },
    async listRuns(filter) {
      const cursor = runCursor(filter.cursor);
      const { entity, project, queueId, state, limit } = filter;
      const found = await rows<RunRow>(pool, RUN_PAGE, [
        entity ?? null,
        project ?? null,
        queueId ?? null,
        state ?? null,
        jobNeedle(filter.job),
        cursor,
        limit + 1,
      ]);
      return runPage(found, limit, toRun);
    },
    async updateRun(id, token, patch, ifState) {
      const updated = await hot.fencedUpdate({ id, token, patch, ifState });
      if (updated !== undefined) return runOf(updated);
      const current = await one<{ fencing_token: string }>(pool, RUN_TOKEN, [id]);
      if (current === undefined || current.fencing_token !== token)
        throw runRefused(id, current !== undefined);
      return undefined; // Owned, but in another state than `ifState`.
    },
    async transitionRun(id, from, patch) {
      const row = await one<BareRunRow>(pool, TRANSITION, [...patchValues(patch), id, [...from]]);
      return row && runOf(row);
    },
    runHistory: async (id) =>
      (await rows<TransitionRow>(pool, RUN_HISTORY, [id])).map(toTransition),
    getRunsByIds: async (ids) => (await rows<RunRow>(pool, RUNS_BY_IDS, [[...ids]])).map(toRun),
    async extendRunLeases(runs, leaseExpiresAt) {
      if (runs.length === 0) return [];
      const ids = runs.map((run) => run.runId);
      const tokens = runs.map((run) => run.fencingToken);
      const extended = await rows<{ id: string }>(pool, EXTEND_LEASES, [
        leaseExpiresAt,
        ids,
        tokens,
      ]);
      const owned = new Set(extended.map((row) => row.id));
      return ids.filter((id) => owned.has(id));
    },
    agentRunIds: async (agentId, state) =>
      (await rows<{ id: string }>(pool, RUNS_OF_AGENT, [agentId, state])).map((row) => row.id),
  };
}
