/**
 * A real tminus server (SQLite in a temp data dir, real HTTP on loopback) and real agents, in the
 * test process. The agents talk to the server over HTTP exactly as they do in production.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import { Api } from '@tminus/sdk';

import { startAgent } from '../../packages/tminus/src/agent/create-agent.js';
import { type RunningServer, startServer } from '../../packages/tminus/src/server/start-server.js';
import { tempDir } from './temp.js';

export interface TestStack {
  readonly url: string;
  readonly apiKey: string;
  readonly entity: string;
  readonly api: Api;
  readonly dataDir: string;
  /** Scratch space of this stack (removed on close). */
  readonly dir: string;
  readonly server: RunningServer;
  /** An agent on `queues`; `allowLocalRepos` as `--allow-local-repo` (default: none). */
  startAgent(
    queues?: string[],
    maxJobs?: number,
    options?: { allowLocalRepos?: string[] },
  ): Promise<{ id: string; stop(): Promise<void> }>;
  close(): Promise<void>;
}

export async function startStack(
  options: {
    entity?: string;
    leaseSeconds?: number;
    database?: string;
    maxLogMiB?: number;
    maxMetricsPerRun?: number;
  } = {},
): Promise<TestStack> {
  const dir = tempDir('stack');
  const apiKey = `tmk_test_${randomBytes(8).toString('hex')}`;
  const entity = options.entity ?? 'tester';
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir: join(dir.path, 'data'),
    bootstrapApiKey: apiKey,
    defaultEntity: entity,
    log: () => undefined,
    ...(options.leaseSeconds === undefined ? {} : { leaseSeconds: options.leaseSeconds }),
    ...(options.database === undefined ? {} : { database: options.database }),
    ...(options.maxLogMiB === undefined ? {} : { maxLogMiB: options.maxLogMiB }),
    ...(options.maxMetricsPerRun === undefined
      ? {}
      : { maxMetricsPerRun: options.maxMetricsPerRun }),
  });
  const api = new Api({ baseUrl: server.url, apiKey });
  const agents: { stop(): Promise<void> }[] = [];
  return {
    url: server.url,
    apiKey,
    entity,
    api,
    dataDir: join(dir.path, 'data'),
    dir: dir.path,
    server,
    async startAgent(queues = ['default'], maxJobs = 4, agentOptions = {}) {
      const agent = await startAgent({
        ...agentOptions,
        api,
        queues,
        maxJobs,
        stopGraceMs: 2_000,
        heartbeatMs: 300,
        cacheDir: join(dir.path, 'agent-cache'),
        workDir: join(dir.path, 'runs'),
        log: () => undefined,
      });
      agents.push(agent);
      return agent;
    },
    async close() {
      await Promise.all(agents.map((a) => a.stop()));
      await server.close();
      dir.remove();
    },
  };
}
