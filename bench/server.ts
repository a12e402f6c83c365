/** A `tminus server` process for a bench: a fresh bootstrap key, the server on a SQLite data dir, an Api on it. */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

import { Api } from '@tminus/sdk';

import { startTminus } from './processes.js';

/** A bootstrap API key of the bench entity, new each call. */
export const benchApiKey = () => `tmk_bench_${randomBytes(8).toString('hex')}`;

export interface StartedServer {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  readonly api: Api;
}

/**
 * A `tminus server` on `dataDir` (SQLite unless `serverArgs` says `--database postgres://…`), on a
 * free port; `apiKey` is stored as the bootstrap key on the first start and reused after. `nodeArgs`
 * as for `startTminus`.
 */
export async function startServer(
  dataDir: string,
  apiKey: string,
  nodeArgs: readonly string[] = [],
  serverArgs: readonly string[] = [],
): Promise<StartedServer> {
  const { child, match } = await startTminus(
    ['server', '--port', '0', '--data-dir', dataDir, ...serverArgs],
    { TMINUS_BOOTSTRAP_API_KEY: apiKey, TMINUS_ENTITY: 'bench' },
    /listening on (http:\/\/\S+)/,
    nodeArgs,
  );
  const baseUrl = match[1]!;
  return { child, baseUrl, api: new Api({ baseUrl, apiKey }) };
}
