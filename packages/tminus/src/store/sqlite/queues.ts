/**
 * @module The SQLite adapter's queues and job versions.
 */
import type { Queue } from '@tminus/sdk/protocol';

import { queueExists } from '../errors.js';
import {
  type AliasRow,
  type JobRow,
  type QueueRow,
  toJobSummary,
  toJobVersion,
  toQueue,
} from '../rows.js';
import type { QueuesPort } from '../store.js';
import { QUEUE_COLUMNS, queueValues } from '../values.js';
import { isUniqueViolation, marks, type SqliteContext } from './context.js';

/** Params: the values of QUEUE_COLUMNS. */
const INSERT_QUEUE = `INSERT INTO queues (${QUEUE_COLUMNS}) VALUES (${marks(9)}) RETURNING *`;
/** Params: entity, name. */
const QUEUE_BY_NAME = `SELECT * FROM queues WHERE entity = ? AND name = ?`;
/** Params: id. */
const QUEUE_BY_ID = `SELECT * FROM queues WHERE id = ?`;
/** Params: entity. */
const QUEUES_OF_ENTITY = `SELECT * FROM queues WHERE entity = ? ORDER BY name`;

const JOB = `entity = ? AND project = ? AND name = ?`;
/** Params: entity, project, name, digest. */
const VERSION_BY_DIGEST = `SELECT * FROM job_versions WHERE ${JOB} AND digest = ?
  ORDER BY version DESC LIMIT 1`;
/** Params: entity, project, name, version. */
const VERSION = `SELECT * FROM job_versions WHERE ${JOB} AND version = ?`;
/** Params: entity, project, name, alias. */
const ALIAS_VERSION = `SELECT version FROM job_aliases WHERE ${JOB} AND alias = ?`;
/** Params: entity, project, name, version. */
const ALIASES_OF_VERSION = `SELECT alias FROM job_aliases WHERE ${JOB} AND version = ?
  ORDER BY alias`;
/** Params: entity, project, name. */
const ALIASES_OF_JOB = `SELECT alias, version FROM job_aliases WHERE ${JOB} ORDER BY alias`;
/** Params: entity, project, name. */
const LAST_VERSION = `SELECT max(version) AS last FROM job_versions WHERE ${JOB}`;
/** Params: entity, project, name, version, source, digest, description, created_at. */
const INSERT_VERSION = `INSERT INTO job_versions
  (entity, project, name, version, source, digest, description, created_at)
  VALUES (${marks(8)})`;
/**
 * An alias names one version: giving it again moves it.
 * Params: entity, project, name, alias, version.
 */
const SET_ALIAS = `INSERT INTO job_aliases (entity, project, name, alias, version)
  VALUES (${marks(5)})
  ON CONFLICT (entity, project, name, alias) DO UPDATE SET version = excluded.version`;
/** Each job's newest version and how many it has. Params: entity, project (or null) twice. */
const LATEST_VERSIONS = `SELECT v.*, c.versions FROM job_versions v
  JOIN (SELECT entity, project, name, max(version) AS top, count(*) AS versions FROM job_versions
        WHERE entity = ? AND (? IS NULL OR project = ?) GROUP BY entity, project, name) c
    ON c.entity = v.entity AND c.project = v.project AND c.name = v.name AND c.top = v.version
  ORDER BY v.project, v.name`;

/** Inserts a queue inside the caller's write (also when an entity is created with its queue). */
export function insertQueue(
  { sql }: SqliteContext,
  queue: Queue & { readonly createdAtMs: number },
): Queue {
  try {
    return toQueue(sql.get<QueueRow>(INSERT_QUEUE, ...queueValues(queue))!);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw queueExists(queue.entity, queue.name);
  }
}

export function sqliteQueues(context: SqliteContext): QueuesPort {
  const { sql, write, read } = context;
  const withAliases = (row: JobRow | undefined) => {
    if (row === undefined) return undefined;
    const { entity, project, name, version } = row;
    const aliases = sql.all<{ alias: string }>(ALIASES_OF_VERSION, entity, project, name, version);
    return toJobVersion(
      row,
      aliases.map((found) => found.alias),
    );
  };
  const queueOf = (row: QueueRow | undefined) => row && toQueue(row);
  return {
    createQueue: (queue) => write(() => insertQueue(context, queue)),
    getQueue: (entity, name) => read(() => queueOf(sql.get<QueueRow>(QUEUE_BY_NAME, entity, name))),
    getQueueById: (id) => read(() => queueOf(sql.get<QueueRow>(QUEUE_BY_ID, id))),
    listQueues: (entity) => read(() => sql.all<QueueRow>(QUEUES_OF_ENTITY, entity).map(toQueue)),

    findJobVersionByDigest: (entity, project, name, digest) =>
      read(() => withAliases(sql.get<JobRow>(VERSION_BY_DIGEST, entity, project, name, digest))),
    getJobVersion: (entity, project, name, alias) =>
      read(() => {
        const numbered = /^v(\d+)$/.exec(alias);
        const version = numbered
          ? Number(numbered[1])
          : sql.get<{ version: number }>(ALIAS_VERSION, entity, project, name, alias)?.version;
        if (version === undefined) return undefined;
        return withAliases(sql.get<JobRow>(VERSION, entity, project, name, version));
      }),
    createJobVersion: (job) =>
      write(() => {
        const { entity, project, name } = job;
        const last = sql.get<{ last: number | null }>(LAST_VERSION, entity, project, name)!.last;
        const version = last === null ? 0 : last + 1;
        sql.run(
          INSERT_VERSION,
          entity,
          project,
          name,
          version,
          JSON.stringify(job.source),
          job.digest,
          job.description,
          job.now,
        );
        // `latest` moves on every version.
        for (const alias of new Set(['latest', ...job.aliases])) {
          sql.run(SET_ALIAS, entity, project, name, alias, version);
        }
        const created = withAliases(sql.get<JobRow>(VERSION, entity, project, name, version))!;
        return { job: created, jobCreated: version === 0 };
      }),
    listJobs: (entity, project) =>
      read(() =>
        sql
          .all<JobRow & { versions: number }>(
            LATEST_VERSIONS,
            entity,
            project ?? null,
            project ?? null,
          )
          .map((row) => {
            const aliases = sql.all<AliasRow>(ALIASES_OF_JOB, row.entity, row.project, row.name);
            return toJobSummary(withAliases(row)!, row.versions, aliases);
          }),
      ),
  };
}
