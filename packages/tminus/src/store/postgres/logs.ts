/**
 * @module The PostgreSQL adapter's run logs: fenced appends within the run's log limit
 * (log-budget.ts), a retried append adding nothing twice (log-resume.ts), and pages read back in order.
 */
import { runRefused } from '../errors.js';
import { fitLines } from '../log-budget.js';
import { receivedCount, unseenLines } from '../log-resume.js';
import { type LogRow, toLogLine } from '../rows.js';
import type { Store } from '../store.js';
import type { PostgresContext } from './context.js';

/**
 * What the run's log has used, and whose numbered lines it has counted. Locking the run row
 * serialises appends per run and fences them in one step. Params: id, token.
 */
const LOG_STATE = `SELECT log_bytes, log_token, log_lines FROM runs
  WHERE id = $1 AND fencing_token = $2 FOR UPDATE`;
/** Params: id. */
const RUN_EXISTS = `SELECT 1 FROM runs WHERE id = $1`;
/** Params: run id. */
const LAST_SEQ = `SELECT max(seq) AS last FROM run_logs WHERE run_id = $1`;
/** Lines numbered on from the last. Params: run id, last seq, ts, streams, texts. */
const INSERT_LINES = `INSERT INTO run_logs (run_id, seq, stream, text, ts)
  SELECT $1, $2::bigint + line, stream, text, $3
  FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS input(stream, text, line)`;
/** Params: bytes used, token counted, lines counted, id. */
const SET_LOG_STATE = `UPDATE runs SET log_bytes = $1, log_token = $2, log_lines = $3
  WHERE id = $4`;
/** Params: run id, after seq, limit. */
const LOG_PAGE = `SELECT seq, stream, text, ts FROM run_logs WHERE run_id = $1 AND seq > $2
  ORDER BY seq LIMIT $3`;

export function postgresLogs(context: PostgresContext): Pick<Store, 'appendLogs' | 'readLogs'> {
  const { pool, queries, tx } = context;
  const { one, rows, exec } = queries;
  return {
    appendLogs: (runId, token, lines, now, limit, from) =>
      tx(async (client) => {
        type LogState = { log_bytes: number; log_token: string | null; log_lines: number };
        const owned = await one<LogState>(client, LOG_STATE, [runId, token]);
        if (owned === undefined)
          throw runRefused(runId, (await one(client, RUN_EXISTS, [runId])) !== undefined);
        const last = (await one<{ last: number | null }>(client, LAST_SEQ, [runId]))!.last ?? -1;
        const received = { token: owned.log_token, count: Number(owned.log_lines) };
        const unseen = unseenLines(received, token, from, lines);
        const { keep, used, truncated } = fitLines(owned.log_bytes, unseen.lines, limit);
        if (keep.length > 0) {
          const streams = keep.map((line) => line.stream);
          const texts = keep.map((line) => line.text);
          await exec(client, INSERT_LINES, [runId, last, now, streams, texts]);
        }
        if (used !== owned.log_bytes || unseen.received !== received) {
          const { token: counted, count } = unseen.received;
          await exec(client, SET_LOG_STATE, [used, counted, count, runId]);
        }
        return {
          next: last + 1 + keep.length,
          truncated,
          received: receivedCount(unseen.received, token),
        };
      }),
    readLogs: async (runId, after, limit) =>
      (await rows<LogRow>(pool, LOG_PAGE, [runId, after, limit])).map(toLogLine),
  };
}
