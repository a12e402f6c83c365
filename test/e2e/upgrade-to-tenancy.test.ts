/**
 * Upgrading an install from before users existed: its keys could do anything, so each becomes the
 * key of a server admin named after its entity, and its jobs' code snapshots stay downloadable.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Api } from '@tminus/sdk';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';

import { startServer } from '../../packages/tminus/src/server/start-server.js';
import { SQLITE_MIGRATIONS } from '../../packages/tminus/src/store/sqlite/migrations.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('upgrade');
afterAll(() => dir.remove());

it('keys of a version-2 database work afterwards as server admins; code snapshots stay readable', async () => {
  const dataDir = join(dir.path, 'data');
  mkdirSync(join(dataDir, 'blobs', 'sha256'), { recursive: true });
  const key = 'tmk_from_before_tenancy';
  const bytes = Buffer.from('old snapshot');
  const hex = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(join(dataDir, 'blobs', 'sha256', hex), bytes);

  // The database as tminus left it before migration 3.
  const db = new Database(join(dataDir, 'tminus.db'));
  db.exec(
    'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  for (const m of SQLITE_MIGRATIONS.filter((m) => m.version <= 2)) {
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, 1);
  }
  db.prepare(
    'INSERT INTO api_keys (id, name, hash, entity, created_at) VALUES (?, ?, ?, ?, ?)',
  ).run('key_old', 'admin', createHash('sha256').update(key).digest('hex'), 'olduser', 1);
  db.prepare('INSERT INTO entities (name, created_at) VALUES (?, ?)').run('olduser', 1);
  db.prepare(
    `INSERT INTO job_versions (entity, project, name, version, source, digest, description, created_at)
     VALUES ('olduser', 'p', 'j', 0, ?, 'd', NULL, 1)`,
  ).run(JSON.stringify({ type: 'code', digest: `sha256:${hex}`, entrypoint: ['python3', 'a.py'] }));
  db.close();

  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, log: () => undefined });
  try {
    const api = new Api({ baseUrl: server.url, apiKey: key });
    const who = await api.request('whoami', {});
    expect(who).toMatchObject({
      kind: 'user',
      user: 'olduser',
      admin: true,
      entity: 'olduser',
      memberships: [{ entity: 'olduser', role: 'admin' }],
    });
    const blob = (await api.request('downloadBlob', {
      params: { digest: `sha256:${hex}` },
    })) as Uint8Array;
    expect(Buffer.from(blob).toString()).toBe('old snapshot');
    // No bootstrap on an upgraded install: it has its keys.
    expect(server.bootstrap).toBeUndefined();
  } finally {
    await server.close();
  }
});
