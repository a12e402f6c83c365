/**
 * @module The PostgreSQL adapter's queues and job versions.
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
import { jsonText } from '../run-patch.js';
import type { QueuesPort } from '../store.js';
import { QUEUE_COLUMNS, queueValues } from '../values.js';
import { params, type PostgresContext } from './context.js';
import type { Db } from './pg-queries.js';

/** A taken entity/name inserts nothing. Params: the values of QUEUE_COLUMNS. */
const INSERT_QUEUE = `INSERT INTO queues (${QUEUE_COLUMNS}) VALUES (${params(9)})
  ON CONFLICT DO NOTHING RETURNING *`;
/** Params: entity, name. */
const QUEUE_BY_NAME = `SELECT * FROM queues WHERE entity = $1 AND name = $2`;
/** Params: id. */
const QUEUE_BY_ID = `SELECT * FROM queues WHERE id = $1`;
/** Params: entity. */
const QUEUES_OF_ENTITY = `SELECT * FROM queues WHERE entity = $1 ORDER BY name`;

const JOB = `entity = $1 AND project = $2 AND name = $3`;
/** Params: entity, project, name, digest. */
const VERSION_BY_DIGEST = `SELECT * FROM job_versions WHERE ${JOB} AND digest = $4
  ORDER BY version DESC LIMIT 1`;
/** Params: entity, project, name, version. */
const VERSION = `SELECT * FROM job_versions WHERE ${JOB} AND version = $4`;
/** Params: entity, project, name, version. */
const ALIASES_OF_VERSION = `SELECT alias FROM job_aliases WHERE ${JOB} AND version = $4
  ORDER BY alias`;
/** Params: entity, project, name. */
const ALIASES_OF_JOB = `SELECT alias, version FROM job_aliases WHERE ${JOB} ORDER BY alias`;
/**
 * One round trip (every enqueue resolves its job): the version named `vN` ($4) or by an alias ($5),
 * with its aliases. Params: entity, project, name, version number (or null), alias.
 */
const VERSION_BY_ALIAS = `SELECT v.*, coalesce(
    (SELECT array_agg(a.alias ORDER BY a.alias) FROM job_aliases a
     WHERE a.entity = v.entity AND a.project = v.project AND a.name = v.name
       AND a.version = v.version), '{}') AS aliases
  FROM job_versions v WHERE v.entity = $1 AND v.project = $2 AND v.name = $3
    AND v.version = coalesce($4::bigint,
      (SELECT version FROM job_aliases WHERE ${JOB} AND alias = $5))`;
/** Serialises version numbering per job. Params: `entity/project/name`. */
const LOCK_JOB = `SELECT pg_advisory_xact_lock(hashtext($1))`;
/** Params: entity, project, name. */
const LAST_VERSION = `SELECT max(version) AS last FROM job_versions WHERE ${JOB}`;
/** Params: entity, project, name, version, source, digest, description, created_at. */
const INSERT_VERSION = `INSERT INTO job_versions
  (entity, project, name, version, source, digest, description, created_at)
  VALUES (${params(8)})`;
/**
 * An alias names one version: giving it again moves it.
 * Params: entity, project, name, alias, version.
 */
const SET_ALIAS = `INSERT INTO job_aliases (entity, project, name, alias, version)
  VALUES (${params(5)})
  ON CONFLICT (entity, project, name, alias) DO UPDATE SET version = excluded.version`;
/** Each job's newest version and how many it has. Params: entity, project (or null). */
const LATEST_VERSIONS = `SELECT v.*, c.versions FROM job_versions v
  JOIN (SELECT entity, project, name, max(version) AS top, count(*)::int AS versions
        FROM job_versions WHERE entity = $1 AND ($2::text IS NULL OR project = $2)
        GROUP BY entity, project, name) c
    ON c.entity = v.entity AND c.project = v.project AND c.name = v.name AND c.top = v.version
  ORDER BY v.project, v.name`;

/** Inserts a queue on `db` (also inside an entity's creation, with its queue). */
export async function insertQueue(
  { queries }: PostgresContext,
  db: Db,
  queue: Queue & { readonly createdAtMs: number },
): Promise<Queue> {
  const row = await queries.one<QueueRow>(db, INSERT_QUEUE, queueValues(queue));
  if (row === undefined) throw queueExists(queue.entity, queue.name);
  return toQueue(row);
}

export function postgresQueues(context: PostgresContext): QueuesPort {
  const { pool, queries, tx } = context;
  const { one, rows, exec } = queries;
  const withAliases = async (db: Db, row: JobRow | undefined) => {
    if (row === undefined) return undefined;
    const { entity, project, name, version } = row;
    const aliases = await rows<{ alias: string }>(db, ALIASES_OF_VERSION, [
      entity,
      project,
      name,
      version,
    ]);
    return toJobVersion(
      row,
      aliases.map((found) => found.alias),
    );
  };
  const queueOf = (row: QueueRow | undefined) => row && toQueue(row);
  return {
    createQueue: (queue) => insertQueue(context, pool, queue),
    getQueue: async (entity, name) =>
      queueOf(await one<QueueRow>(pool, QUEUE_BY_NAME, [entity, name])),
    getQueueById: async (id) => queueOf(await one<QueueRow>(pool, QUEUE_BY_ID, [id])),
    listQueues: async (entity) =>
      (await rows<QueueRow>(pool, QUEUES_OF_ENTITY, [entity])).map(toQueue),

    findJobVersionByDigest: async (entity, project, name, digest) =>
      withAliases(
        pool,
        await one<JobRow>(pool, VERSION_BY_DIGEST, [entity, project, name, digest]),
      ),
    async getJobVersion(entity, project, name, alias) {
      const numbered = /^v(\d+)$/.exec(alias);
      const row = await one<JobRow & { aliases: string[] }>(pool, VERSION_BY_ALIAS, [
        entity,
        project,
        name,
        numbered ? Number(numbered[1]) : null,
        alias,
      ]);
      return row && toJobVersion(row, row.aliases);
    },
    createJobVersion: (job) =>
      tx(async (client) => {
        const { entity, project, name } = job;
        await exec(client, LOCK_JOB, [`${entity}/${project}/${name}`]);
        const last = (await one<{ last: number | null }>(client, LAST_VERSION, [
          entity,
          project,
          name,
        ]))!.last;
        const version = last === null ? 0 : last + 1;
        await exec(client, INSERT_VERSION, [
          entity,
          project,
          name,
          version,
          jsonText(job.source),
          job.digest,
          job.description,
          job.now,
        ]);
        // `latest` moves on every version.
        for (const alias of new Set(['latest', ...job.aliases])) {
          await exec(client, SET_ALIAS, [entity, project, name, alias, version]);
        }
        const created = await one<JobRow>(client, VERSION, [entity, project, name, version]);
        return { job: (await withAliases(client, created))!, jobCreated: version === 0 };
      }),
    async listJobs(entity, project) {
      const latest = await rows<JobRow & { versions: number }>(pool, LATEST_VERSIONS, [
        entity,
        project ?? null,
      ]);
      return Promise.all(
        latest.map(async (row) => {
          const key = [row.entity, row.project, row.name];
          const aliases = await rows<AliasRow>(pool, ALIASES_OF_JOB, key);
          return toJobSummary((await withAliases(pool, row))!, row.versions, aliases);
        }),
      );
    },
  };
}
