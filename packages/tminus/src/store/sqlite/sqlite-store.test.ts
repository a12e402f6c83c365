import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { tempDir } from '../../../../../test/helpers/temp.js';
import { describeStoreContract } from '../store-contract.js';
import { openSqliteStore } from './sqlite-store.js';

describeStoreContract('sqlite (memory)', () => openSqliteStore({ path: ':memory:' }));
describeStoreContract('sqlite (file)', () => openSqliteStore({ path: join(tempDir('store').path, 'db.sqlite') }));

describe('sqlite file store', () => {
  it('keeps data across reopen and migrate() is idempotent', async () => {
    const path = join(tempDir('reopen').path, 'db.sqlite');
    const a = await openSqliteStore({ path });
    await a.migrate();
    await a.migrate();
    await a.ensureEntity('e', 1);
    await a.close();
    const b = await openSqliteStore({ path });
    await b.migrate();
    expect(await b.ensureEntity('e', 2)).toBe(false);
    await b.close();
  });
});
