/**
 * A server shared by several users: a team `acme` (owner its admin; launcher and member members;
 * viewer a viewer), an outsider with only their own entity, agent keys for two of acme's queues, a
 * code job, a registered agent and live runs with their run tokens. Built through the API only, as
 * a team's admin would.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import { Api } from '@tminus/sdk';
import type { RouteInput, RouteName } from '@tminus/sdk/protocol';
import { routes } from '@tminus/sdk/protocol';

import { runTokenFor } from '../../packages/tminus/src/lib/run-token.js';
import { type RunningServer, startServer } from '../../packages/tminus/src/server/start-server.js';
import { tempDir } from './temp.js';

export const TEAM = 'acme';

/** The credentials a request can carry. */
export const CREDENTIALS = [
  'none',
  'outsider',
  'viewer',
  'member',
  'launcher',
  'teamAdmin',
  'serverAdmin',
  'agentOwnQueue',
  'agentOtherQueue',
  'runOwn',
  'runOther',
] as const;
export type Credential = (typeof CREDENTIALS)[number];

export interface LiveRun {
  readonly runId: string;
  readonly fencingToken: string;
  readonly runToken: string;
}

export interface Tenants {
  readonly url: string;
  readonly server: RunningServer;
  readonly dataDir: string;
  /** Keys by credential (`none` and the run tokens excepted). */
  readonly keys: Readonly<Record<Exclude<Credential, 'none' | 'runOwn' | 'runOther'>, string>>;
  readonly api: (key: string) => Api;
  readonly jobRef: string;
  readonly digest: string;
  /** An agent registered with the agent key of acme's `default` queue. */
  readonly agentId: string;
  /** A pending item the launcher queued. */
  readonly itemId: string;
  readonly runA: LiveRun;
  readonly runB: LiveRun;
  /** A new pending item of the launcher's on acme's `default` queue. */
  pendingItem(): Promise<string>;
  /** A new item leased to the agent: its id and fencing token. */
  lease(): Promise<{ itemId: string; fencingToken: string }>;
  /** A new run of the launcher's, acknowledged by the agent (state `starting`). */
  liveRun(): Promise<LiveRun>;
  close(): Promise<void>;
}

/** Calls a route with any credential and returns the status and body, as a client on the wire sees them. */
export async function call<N extends RouteName>(
  url: string,
  name: N,
  input: RouteInput<N> | Record<string, never>,
  key: string | undefined,
): Promise<{ status: number; body: unknown }> {
  const route = routes[name];
  const parts = input as {
    params?: Record<string, string>;
    query?: Record<string, string>;
    body?: unknown;
    raw?: Uint8Array;
  };
  let path: string = route.path;
  for (const [k, v] of Object.entries(parts.params ?? {})) {
    path = path.replace(`:${k}`, encodeURIComponent(v));
  }
  const qs = new URLSearchParams(parts.query ?? {}).toString();
  const headers: Record<string, string> = {};
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  let body: string | ArrayBuffer | undefined;
  if (parts.raw !== undefined) {
    headers['content-type'] = 'application/octet-stream';
    body = new Uint8Array(parts.raw).buffer;
  } else if (parts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(parts.body);
  }
  const response = await fetch(`${url}/api/v1${path}${qs ? `?${qs}` : ''}`, {
    method: route.method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // A blob.
  }
  return { status: response.status, body: parsed };
}

export const fresh = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/**
 * @param options.database `postgres://…` to keep the data in PostgreSQL (default: SQLite in the data dir).
 * @param options.log receives the server's log lines (default: dropped).
 */
export async function startTenants(
  options: { database?: string; log?: (line: string) => void } = {},
): Promise<Tenants> {
  const dir = tempDir('tenants');
  const rootKey = `tmk_root_${randomBytes(12).toString('hex')}`;
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir: join(dir.path, 'data'),
    ...(options.database === undefined ? {} : { database: options.database }),
    bootstrapApiKey: rootKey,
    defaultEntity: 'root',
    // Runs acknowledged here are never reported on: their leases must outlast the tests.
    leaseSeconds: 3_600,
    log: options.log ?? (() => undefined),
  });
  const api = (key: string) => new Api({ baseUrl: server.url, apiKey: key });
  const root = api(rootKey);
  const user = async (name: string) =>
    (await root.request('createUser', { body: { name } })).apiKey;
  const [owner, launcher, member, viewer, outsider] = await Promise.all(
    ['owner', 'launcher', 'member', 'viewer', 'outsider'].map(user),
  );
  // Someone to add to and remove from the team (no credential of the matrix).
  await user('guest');
  const ownerApi = api(owner!);
  await ownerApi.request('createTeam', { body: { name: TEAM } });
  for (const [name, role] of [
    ['launcher', 'member'],
    ['member', 'member'],
    ['viewer', 'viewer'],
  ] as const) {
    await ownerApi.request('setMember', { params: { entity: TEAM, user: name }, body: { role } });
  }
  await ownerApi.request('createQueue', { body: { entity: TEAM, name: 'gpu' } });
  const agentKey = async (queue: string) =>
    (
      await ownerApi.request('createKey', {
        body: { kind: 'agent', entity: TEAM, queues: [queue] },
      })
    ).apiKey;
  const agentOwnQueue = await agentKey('default');
  const agentOtherQueue = await agentKey('gpu');
  const launcherApi = api(launcher!);
  const { digest } = await launcherApi.request('uploadBlob', {
    raw: new Uint8Array(Buffer.from('not really a tarball')),
  });
  const job = await launcherApi.request('createJob', {
    body: {
      entity: TEAM,
      project: 'p',
      name: 'train',
      source: { type: 'code', digest, entrypoint: ['python3', 'train.py'] },
    },
  });
  const agentApi = api(agentOwnQueue);
  const agent = await agentApi.request('registerAgent', {
    body: { entity: TEAM, queues: ['default'], hostname: 'test', maxJobs: -1, version: 'test' },
  });
  const pendingItem = async () =>
    (
      await launcherApi.request('enqueue', {
        body: { queue: 'default', queueEntity: TEAM, spec: { entity: TEAM, job: job.job.ref } },
      })
    ).id;
  const lease = async () => {
    const itemId = await pendingItem();
    // Items other tests left pending are leased on the way (and abandoned: nothing waits for them).
    for (;;) {
      const { lease: got } = await agentApi.request('claim', {
        params: { id: agent.id },
        // `active: 0`: no runs to cancel are asked for (cancelled runs of this agent would come first).
        body: { waitMs: 0, active: 0 },
      });
      if (got === null) throw new Error(`item ${itemId} was not handed out`);
      if (got.item.id === itemId) return { itemId, fencingToken: got.fencingToken };
    }
  };
  const liveRun = async (): Promise<LiveRun> => {
    const leased = await lease();
    const runId = fresh('run');
    await agentApi.request('ackItem', {
      params: { id: leased.itemId },
      body: { fencingToken: leased.fencingToken, runId },
    });
    return {
      runId,
      fencingToken: leased.fencingToken,
      runToken: runTokenFor(runId, leased.fencingToken),
    };
  };
  const runA = await liveRun();
  const runB = await liveRun();
  const itemId = await pendingItem();
  return {
    url: server.url,
    server,
    dataDir: join(dir.path, 'data'),
    keys: {
      outsider: outsider!,
      viewer: viewer!,
      member: member!,
      launcher: launcher!,
      teamAdmin: owner!,
      serverAdmin: rootKey,
      agentOwnQueue,
      agentOtherQueue,
    },
    api,
    jobRef: job.job.ref,
    digest,
    agentId: agent.id,
    itemId,
    runA,
    runB,
    pendingItem,
    lease,
    liveRun,
    async close() {
      await server.close();
      dir.remove();
    },
  };
}
