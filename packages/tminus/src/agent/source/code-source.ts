/**
 * @module Code sources: the uploaded snapshot (gzipped tar), downloaded once per digest into the
 * cache, checked against its digest, and extracted into the run's directory.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { Api } from '@tminus/sdk';
import type { CodeSource } from '@tminus/sdk/protocol';
import { extract } from 'tar';

import { KeyedMutex } from '../../lib/keyed-mutex.js';
import { PrepareError } from './prepare-error.js';

const downloads = new KeyedMutex();

export async function prepareCodeSource(api: Api, source: CodeSource, cacheDir: string, dir: string): Promise<void> {
  const hex = source.digest.slice('sha256:'.length);
  const file = join(cacheDir, 'code', `${hex}.tgz`);
  await downloads.run(hex, async () => {
    if (existsSync(file)) return;
    const bytes = (await api.request('downloadBlob', { params: { digest: source.digest } })) as Uint8Array;
    if (createHash('sha256').update(bytes).digest('hex') !== hex) {
      throw new PrepareError(`Code snapshot ${source.digest} arrived corrupted (digest mismatch)`, 'code_digest');
    }
    await mkdir(join(cacheDir, 'code'), { recursive: true });
    await writeFile(`${file}.tmp`, bytes);
    await rename(`${file}.tmp`, file);
  });
  await mkdir(dir, { recursive: true });
  await extract({ file, cwd: dir });
}
