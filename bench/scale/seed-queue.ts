/**
 * Deep queues without minutes of HTTP: one item is enqueued through `launchAdd`, then its row is
 * copied in the database file (while the server is stopped) with fresh ids and idempotency keys, in
 * large transactions, exactly the columns `store.enqueue` writes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';

import { launchAdd } from '@tminus/sdk';
import Database from 'better-sqlite3';

import { registerAgents } from './fake-agents.js';
import { createQueueAndJob, QUEUE, WARM_QUEUE } from './queues.js';
import { type Processes, startServer } from './servers.js';

const SEED_CHUNK = 50_000;

interface SeedTemplate {
  readonly queue_id: string;
  readonly priority: number;
  readonly spec: string;
  readonly template_variables: string;
  readonly project_queue: string;
  readonly idempotency_key: string | null;
  readonly warnings: string;
}

/**
 * A data dir with the bench entity and key, the queues, a job, an agent on `QUEUE`, and one item
 * enqueued there through HTTP (the template the seeder copies). The server is stopped again before
 * this returns.
 */
export async function prepareDataDir(
  procs: Processes,
  dataDir: string,
  apiKey: string,
): Promise<{ templateId: string; agentId: string }> {
  const server = await startServer(procs, dataDir, apiKey);
  try {
    const { api } = server;
    const job = await createQueueAndJob(api);
    await api.request('createQueue', { body: { name: WARM_QUEUE } });
    const [agentId] = await registerAgents(api, QUEUE, 1, 1);
    const queued = await launchAdd({
      api,
      job,
      queueName: QUEUE,
      config: { overrides: { run_config: { lr: 0.01, epochs: 3 } } },
    });
    return { templateId: queued.id, agentId: agentId! };
  } finally {
    await server.stop();
  }
}

/** Opens the server's database while the server is stopped (WAL mode is already set by the server). */
function openSeedDb(dataDir: string): Database.Database {
  const db = new Database(join(dataDir, 'tminus.db'));
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = OFF'); // a bench fixture: a crash mid-seed only loses the scratch dir
  return db;
}

function pendingCount(db: Database.Database, queueId: string): number {
  return (
    db
      .prepare(`SELECT count(*) AS n FROM queue_items WHERE queue_id = ? AND state = 'pending'`)
      .get(queueId) as { n: number }
  ).n;
}

/**
 * Brings the queue to `target` pending items by copying the template row: new time-ordered ids
 * (as `newId('qi')` makes them) and new idempotency keys under the template's key scope, as many
 * `launchAdd` calls would write them. Returns the rows inserted.
 */
export function seedPending(dataDir: string, templateId: string, target: number): number {
  const db = openSeedDb(dataDir);
  try {
    const t = db.prepare(`SELECT * FROM queue_items WHERE id = ?`).get(templateId) as
      SeedTemplate | undefined;
    if (t === undefined) throw new Error(`template item ${templateId} not found`);
    const missing = Math.max(0, target - pendingCount(db, t.queue_id));
    const scope =
      t.idempotency_key === null
        ? null
        : t.idempotency_key.slice(0, t.idempotency_key.indexOf(':'));
    const insert = db.prepare(
      `INSERT INTO queue_items (id, queue_id, state, priority, spec, template_variables, project_queue, idempotency_key, warnings, created_at)
       VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)`,
    );
    const chunk = db.transaction((count: number) => {
      const random = randomBytes(6 * count).toString('hex');
      for (let i = 0; i < count; i++) {
        const now = Date.now();
        const id = `qi_${now.toString(36).padStart(9, '0')}${random.slice(i * 12, i * 12 + 12)}`;
        const key = scope === null ? null : `${scope}:${randomUUID()}`;
        insert.run(
          id,
          t.queue_id,
          t.priority,
          t.spec,
          t.template_variables,
          t.project_queue,
          key,
          t.warnings,
          now,
        );
      }
    });
    for (let done = 0; done < missing; done += SEED_CHUNK)
      chunk(Math.min(SEED_CHUNK, missing - done));
    // Hand the server a checkpointed file: no start-up replay of a WAL of hundreds of MB.
    db.pragma('wal_checkpoint(TRUNCATE)');
    return missing;
  } finally {
    db.close();
  }
}

/** The database file and its WAL, MB. */
export function dbSizeMb(dataDir: string): number {
  const size = (name: string) => {
    try {
      return statSync(join(dataDir, name)).size;
    } catch {
      return 0;
    }
  };
  return (size('tminus.db') + size('tminus.db-wal')) / 2 ** 20;
}
