/**
 * @module The SQLite adapter's run logs: fenced appends within the run's log limit (log-budget.ts),
 * a retried append adding nothing twice (log-resume.ts), and pages read back in order.
 */
import { fitLines } from '../log-budget.js';
import { receivedCount, unseenLines } from '../log-resume.js';
import { type LogRow, toLogLine } from '../rows.js';
import type { Store } from '../store.js';
import type { SqliteContext } from './context.js';
import { runRefusal } from './runs.js';
import { insertLog, nextLogSeq } from './statements.js';

/** What the run's log has used, and whose numbered lines it has counted. Params: id, token. */
const LOG_STATE = `SELECT log_bytes, log_token, log_lines FROM runs
  WHERE id = ? AND fencing_token = ?`;
/** Params: bytes used, token counted, lines counted, id. */
const SET_LOG_STATE = `UPDATE runs SET log_bytes = ?, log_token = ?, log_lines = ? WHERE id = ?`;
/** Params: run id, after seq, limit. */
const LOG_PAGE = `SELECT seq, stream, text, ts FROM run_logs WHERE run_id = ? AND seq > ?
  ORDER BY seq LIMIT ?`;

export function sqliteLogs(context: SqliteContext): Pick<Store, 'appendLogs' | 'readLogs'> {
  const { sql, write, read } = context;
  return {
    appendLogs: (runId, token, lines, now, limit, from) =>
      write(() => {
        type LogState = { log_bytes: number; log_token: string | null; log_lines: number };
        const owned = sql.get<LogState>(LOG_STATE, runId, token);
        if (owned === undefined) throw runRefusal(context, runId);
        const received = { token: owned.log_token, count: owned.log_lines };
        const unseen = unseenLines(received, token, from, lines);
        const fitted = fitLines(owned.log_bytes, unseen.lines, limit);
        let next = nextLogSeq(sql, runId);
        for (const line of fitted.keep) insertLog(sql, runId, next++, line.stream, line.text, now);
        if (fitted.used !== owned.log_bytes || unseen.received !== received) {
          const { token: counted, count } = unseen.received;
          sql.run(SET_LOG_STATE, fitted.used, counted, count, runId);
        }
        return {
          next,
          truncated: fitted.truncated,
          received: receivedCount(unseen.received, token),
        };
      }),
    readLogs: (runId, after, limit) =>
      read(() => sql.all<LogRow>(LOG_PAGE, runId, after, limit).map(toLogLine)),
  };
}
