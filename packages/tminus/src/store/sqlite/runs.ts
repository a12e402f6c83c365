/**
 * @module The SQLite adapter's runs: created (directly, or by an ack), read, paged newest first,
 * updated fenced by the owner's token or unfenced from listed states (a user's cancel), and their
 * leases extended by heartbeats.
 */
import type { Run } from '@tminus/sdk/protocol';

import { runExists, runRefused } from '../errors.js';
import { type BareRunRow, toTransition, type TransitionRow } from '../rows.js';
import { jsonText, patchSet, patchValues } from '../run-patch.js';
import { jobNeedle, runCursor, runPage } from '../run-pages.js';
import type { NewRun, RunsPort } from '../store.js';
import { RUN_COLUMNS, runValues } from '../values.js';
import { isUniqueViolation, marks, type SqliteContext } from './context.js';

/** Params: the values of RUN_COLUMNS. */
const INSERT_RUN = `INSERT INTO runs (${RUN_COLUMNS}) VALUES (${marks(17)}) RETURNING *`;
/** Params: id. */
const RUN_BY_ID = `SELECT * FROM runs WHERE id = ?`;
/** Params: id. */
const RUN_EXISTS = `SELECT 1 FROM runs WHERE id = ?`;
/** Params: id, token. */
const RUN_OWNED = `SELECT 1 FROM runs WHERE id = ? AND fencing_token = ?`;
/** Params: entity, project, queue id, state, job needle (run-pages.ts), cursor (each or null, twice), limit. */
const RUN_PAGE = `SELECT * FROM runs WHERE (? IS NULL OR entity = ?) AND (? IS NULL OR project = ?)
    AND (? IS NULL OR queue_id = ?) AND (? IS NULL OR state = ?)
    AND (? IS NULL OR instr('/' || job || ':', ?) > 0) AND (? IS NULL OR seq < ?)
  ORDER BY seq DESC LIMIT ?`;
/** Params: the patch (run-patch.ts), id, token, the state it must be in (or null: any). */
const FENCED_UPDATE = `UPDATE runs SET ${patchSet(() => '?')}
  WHERE id = ? AND fencing_token = ? AND coalesce(?, state) = state RETURNING *`;
/** Params: the patch (run-patch.ts), id, the states it may be in (JSON array). */
const TRANSITION = `UPDATE runs SET ${patchSet(() => '?')}
  WHERE id = ? AND state IN (SELECT value FROM json_each(?)) RETURNING *`;
/** Params: ids (JSON array). */
const RUNS_BY_IDS = `SELECT * FROM runs WHERE id IN (SELECT value FROM json_each(?)) ORDER BY seq`;
/** Params: lease expiry, id, token. */
const EXTEND_LEASE = `UPDATE runs SET lease_expires_at = ? WHERE id = ? AND fencing_token = ?`;
/** Params: run id. */
const RUN_HISTORY = `SELECT at, from_state, to_state, attempt FROM run_transitions WHERE run_id = ? ORDER BY seq`;
/** Params: agent id, state. */
const RUNS_OF_AGENT = `SELECT id FROM runs WHERE agent_id = ? AND state = ? ORDER BY seq`;

/** Inserts a run inside the caller's write (also an ack's). */
export function insertRun({ sql, runOf }: SqliteContext, run: NewRun): Run {
  try {
    return runOf(sql.get<BareRunRow>(INSERT_RUN, ...runValues(run))!);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw runExists(run.id);
  }
}

/** Why a fenced write on a run changed nothing: the run is gone, or the token is stale. */
export function runRefusal({ sql }: SqliteContext, runId: string): Error {
  return runRefused(runId, sql.get(RUN_EXISTS, runId) !== undefined);
}

export function sqliteRuns(context: SqliteContext): RunsPort {
  const { sql, write, read, runOf } = context;
  return {
    createRun: (run) => write(() => insertRun(context, run)),
    getRun: (id) =>
      read(() => {
        const row = sql.get<BareRunRow>(RUN_BY_ID, id);
        return row && runOf(row);
      }),
    listRuns: (filter) =>
      read(() => {
        const cursor = runCursor(filter.cursor);
        const both = (value: string | number | null | undefined) => [value ?? null, value ?? null];
        const rows = sql.all<BareRunRow>(
          RUN_PAGE,
          ...both(filter.entity),
          ...both(filter.project),
          ...both(filter.queueId),
          ...both(filter.state),
          ...both(jobNeedle(filter.job)),
          ...both(cursor),
          filter.limit + 1,
        );
        return runPage(rows, filter.limit, runOf);
      }),
    updateRun: (id, token, patch, ifState) =>
      write(() => {
        const args = [...patchValues(patch), id, token, ifState ?? null];
        const row = sql.get<BareRunRow>(FENCED_UPDATE, ...args);
        if (row !== undefined) return runOf(row);
        // Owned but in another state than `ifState`: the caller decided from a stale view.
        if (ifState !== undefined && sql.get(RUN_OWNED, id, token) !== undefined) return undefined;
        throw runRefusal(context, id);
      }),
    transitionRun: (id, from, patch) =>
      write(() => {
        const row = sql.get<BareRunRow>(TRANSITION, ...patchValues(patch), id, jsonText(from));
        return row && runOf(row);
      }),
    runHistory: (id) => read(() => sql.all<TransitionRow>(RUN_HISTORY, id).map(toTransition)),
    getRunsByIds: (ids) => read(() => sql.all<BareRunRow>(RUNS_BY_IDS, jsonText(ids)).map(runOf)),
    extendRunLeases: (runs, leaseExpiresAt) =>
      write(() =>
        runs
          .filter(
            (run) =>
              sql.run(EXTEND_LEASE, leaseExpiresAt, run.runId, run.fencingToken).changes === 1,
          )
          .map((run) => run.runId),
      ),
    agentRunIds: (agentId, state) =>
      read(() => sql.all<{ id: string }>(RUNS_OF_AGENT, agentId, state).map((row) => row.id)),
  };
}
