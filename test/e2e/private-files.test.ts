/**
 * Who can read the server's files: the built CLI's `tminus doctor` and `tminus server` on a data dir
 * an older install (or a loose umask) left readable by everyone, and a CLI config file left 0644.
 */
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Api } from '@tminus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { spawnTminus } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('private-files');
const data = join(dir.path, 'data');
const configDir = join(dir.path, 'config');
const env = { TMINUS_CONFIG_DIR: configDir, TMINUS_DATA_DIR: '', TMINUS_DATABASE_URL: '' };
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

function doctor() {
  return runCli(['doctor', '--data-dir', data], env);
}

beforeAll(async () => {
  // A data dir made before tminus kept it private: 0755, with a 0644 database.
  expect((await runCli(['migrate', '--data-dir', data], env)).code).toBe(0);
  chmodSync(data, 0o755);
  chmodSync(join(data, 'tminus.db'), 0o644);
});
afterAll(() => dir.remove());

describe('the data dir', () => {
  it('tminus doctor fails on a data dir and database readable by others, saying the chmod that fixes it', async () => {
    const result = await doctor();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `FAIL  data dir private   readable or writable by group/others: ${data} (mode 755), ${data}/tminus.db (mode 644). Fix: chmod 700 ${data} && chmod 600 ${data}/tminus.db (tminus server does this when it starts)`,
    );
  });

  it('tminus server makes it 0700 and the database, its WAL and the blobs 0600 when it starts; doctor is then content', async () => {
    const server = spawnTminus(['server', '--port', '0', '--data-dir', data], env);
    try {
      await server.waitFor(/created admin API key .*: (\S+)/);
      const [, url = ''] = /listening on (\S+)/.exec(server.output()) ?? [];
      const [, apiKey = ''] = /created admin API key .*: (\S+)/.exec(server.output()) ?? [];
      // A code snapshot lands in the blobs tree.
      await new Api({ baseUrl: url, apiKey }).request('uploadBlob', {
        raw: new TextEncoder().encode('print(1)\n'),
      });
      expect(modeOf(data)).toBe('700');
      for (const file of ['tminus.db', 'tminus.db-wal', 'tminus.db-shm'])
        expect(modeOf(join(data, file)), file).toBe('600');
      const blobs = join(data, 'blobs', 'sha256');
      expect([modeOf(join(data, 'blobs')), modeOf(blobs)]).toEqual(['700', '700']);
      const [blob] = readdirSync(blobs);
      expect(modeOf(join(blobs, blob!))).toBe('600');
    } finally {
      await server.kill();
    }
    const result = await doctor();
    expect(result.stdout).toMatch(/^ok {4}data dir private {3}/m);
    expect(result.code).toBe(0);
  });
});

describe('the CLI config file', () => {
  it('tminus doctor fails when group or others can read it, saying the chmod that fixes it', async () => {
    mkdirSync(configDir, { recursive: true, mode: 0o700 });
    const config = join(configDir, 'config.json');
    writeFileSync(config, '{"apiKey":"tmk_secret"}', { mode: 0o644 });
    chmodSync(config, 0o644);
    const result = await doctor();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `FAIL  CLI config private ${config} (mode 644) holds an API key and is readable or writable by group/others. Fix: chmod 600 ${config}`,
    );
    chmodSync(config, 0o600);
    expect((await doctor()).stdout).toMatch(/^ok {4}CLI config private {1}/m);
  });
});
