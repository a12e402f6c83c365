/**
 * The authorization matrix: every route of the route table × every kind of caller → the status the
 * tenancy model promises (docs/security.md), against a real server over HTTP. The table below is
 * typed by the route table, and the test also checks it names exactly the routes the server has, so
 * a new route cannot go without its row. Each cell gets a fresh target where the call changes state.
 */
import { type RouteInput, type RouteName, routes } from '@tminus/sdk/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  call,
  CREDENTIALS,
  type Credential,
  fresh,
  type LiveRun,
  startTenants,
  TEAM,
  type Tenants,
} from '../helpers/tenants.js';

/**
 * Expected statuses, one per credential in this order:
 *   none outsider viewer member launcher teamAdmin serverAdmin agentOwnQueue agentOtherQueue runOwn runOther
 * `member` is a member of the team who did not launch the target; `launcher` did.
 */
const expected = (line: string): readonly number[] => {
  const statuses = line.trim().split(/\s+/).map(Number);
  if (statuses.length !== CREDENTIALS.length) throw new Error(`bad row: ${line}`);
  return statuses;
};
//                           none out view memb laun tadm sadm agOwn agOth runOwn runOth
const READ /*           */ = expected('401 404 200 200 200 200 200 403 403 403 403');
const LAUNCH /*         */ = expected('401 404 403 200 200 200 200 403 403 403 403');
const MANAGE /*         */ = expected('401 404 403 403 200 200 200 403 403 403 403');
const ADMIN /*          */ = expected('401 404 403 403 403 200 200 403 403 403 403');
const AGENT /*          */ = expected('401 404 403 403 403 200 200 200 403 403 403');
const ANY_USER /*       */ = expected('401 200 200 200 200 200 200 403 403 403 403');
const SERVER_ADMIN /*   */ = expected('401 403 403 403 403 403 200 403 403 403 403');
const RUN_READ /*       */ = expected('401 404 200 200 200 200 200 403 403 200 404');
const RUN_MANAGE /*     */ = expected('401 404 403 403 200 200 200 403 403 403 404');
// A run's metrics are written by its own program only (its run token), never by a key.
const RUN_METRICS /*    */ = expected('401 403 403 403 403 403 403 403 403 200 404');
const ANYONE /*         */ = expected('401 200 200 200 200 200 200 200 200 200 200');
// A code snapshot is readable by the readers and agents of an entity whose job uses it.
const BLOB /*           */ = expected('401 404 200 200 200 200 200 200 200 403 403');
// Keys: your own, agent keys of entities you administer; others do not see them exist.
const REVOKE /*         */ = expected('401 404 404 404 404 200 200 403 403 403 403');

interface Cell<N extends RouteName> {
  readonly input: RouteInput<N>;
  /** The run whose token counts as `runOwn` for this call (default: the shared run A). */
  readonly run?: LiveRun;
}
interface Row<N extends RouteName> {
  readonly statuses: readonly number[];
  /** Called once per credential: a target of its own when the call changes it. */
  readonly prepare: (t: Tenants) => Promise<Cell<N>> | Cell<N>;
}
type Matrix = { readonly [N in RouteName]: Row<N> };

const ofRun =
  <N extends RouteName>(input: (run: LiveRun) => RouteInput<N>) =>
  async (t: Tenants): Promise<Cell<N>> => {
    const run = await t.liveRun();
    return { input: input(run), run };
  };
const ofLease =
  <N extends RouteName>(
    input: (lease: { itemId: string; fencingToken: string }) => RouteInput<N>,
  ) =>
  async (t: Tenants): Promise<Cell<N>> => ({ input: input(await t.lease()) });
const launchSpec = (t: Tenants) => ({ entity: TEAM, job: t.jobRef });

const matrix: Matrix = {
  whoami: { statuses: ANYONE, prepare: () => ({ input: {} }) },
  uploadBlob: {
    statuses: ANY_USER,
    prepare: () => ({ input: { raw: new Uint8Array(Buffer.from(fresh('bytes'))) } }),
  },
  downloadBlob: { statuses: BLOB, prepare: (t) => ({ input: { params: { digest: t.digest } } }) },
  createJob: {
    statuses: LAUNCH,
    prepare: (t) => ({
      input: {
        body: {
          entity: TEAM,
          project: 'p',
          name: 'other',
          source: { type: 'code', digest: t.digest, entrypoint: ['python3', 'x.py'] },
        },
      },
    }),
  },
  listJobs: { statuses: READ, prepare: () => ({ input: { query: { entity: TEAM } } }) },
  resolveJob: { statuses: READ, prepare: (t) => ({ input: { query: { ref: t.jobRef } } }) },
  listQueues: { statuses: READ, prepare: () => ({ input: { query: { entity: TEAM } } }) },
  watchQueues: { statuses: READ, prepare: () => ({ input: { query: { entity: TEAM } } }) },
  createQueue: {
    statuses: ADMIN,
    prepare: () => ({ input: { body: { entity: TEAM, name: fresh('q') } } }),
  },
  getQueue: {
    statuses: READ,
    prepare: () => ({ input: { params: { entity: TEAM, name: 'default' } } }),
  },
  listQueueItems: {
    statuses: READ,
    prepare: () => ({ input: { params: { entity: TEAM, name: 'default' } } }),
  },
  explainQueueItem: { statuses: READ, prepare: (t) => ({ input: { params: { id: t.itemId } } }) },
  enqueue: {
    statuses: LAUNCH,
    prepare: (t) => ({
      input: { body: { queue: 'default', queueEntity: TEAM, spec: launchSpec(t) } },
    }),
  },
  enqueueBatch: {
    statuses: LAUNCH,
    prepare: (t) => ({
      input: { body: { items: [{ queue: 'default', queueEntity: TEAM, spec: launchSpec(t) }] } },
    }),
  },
  getQueueItem: { statuses: READ, prepare: (t) => ({ input: { params: { id: t.itemId } } }) },
  deleteQueueItem: {
    statuses: MANAGE,
    prepare: async (t) => ({ input: { params: { id: await t.pendingItem() } } }),
  },
  listRuns: { statuses: READ, prepare: () => ({ input: { query: { entity: TEAM } } }) },
  watchRuns: { statuses: READ, prepare: () => ({ input: { query: { entity: TEAM } } }) },
  getRun: { statuses: RUN_READ, prepare: (t) => ({ input: { params: { id: t.runA.runId } } }) },
  getRunHistory: {
    statuses: RUN_READ,
    prepare: (t) => ({ input: { params: { id: t.runA.runId } } }),
  },
  cancelRun: { statuses: RUN_MANAGE, prepare: ofRun((run) => ({ params: { id: run.runId } })) },
  getLogs: { statuses: RUN_READ, prepare: (t) => ({ input: { params: { id: t.runA.runId } } }) },
  logMetrics: {
    statuses: RUN_METRICS,
    prepare: (t) => ({
      input: {
        params: { id: t.runA.runId },
        body: { points: [{ step: 0, values: { loss: 0.5 } }], summary: { loss: 0.5 } },
      },
    }),
  },
  getMetrics: { statuses: RUN_READ, prepare: (t) => ({ input: { params: { id: t.runA.runId } } }) },
  createDirectRun: {
    statuses: LAUNCH,
    prepare: (t) => ({ input: { body: { spec: launchSpec(t) } } }),
  },
  registerAgent: {
    statuses: AGENT,
    prepare: () => ({
      input: {
        body: { entity: TEAM, queues: ['default'], hostname: 'h', maxJobs: 1, version: 'test' },
      },
    }),
  },
  listAgents: { statuses: READ, prepare: () => ({ input: { query: { entity: TEAM } } }) },
  watchAgents: { statuses: READ, prepare: () => ({ input: { query: { entity: TEAM } } }) },
  claim: {
    statuses: AGENT,
    // An empty queue answers at once: the agent's queue is drained first by a lease.
    prepare: async (t) => {
      await t.lease();
      return { input: { params: { id: t.agentId }, body: { waitMs: 0 } } };
    },
  },
  heartbeat: {
    statuses: AGENT,
    prepare: (t) => ({
      input: { params: { id: t.agentId }, body: { status: 'polling', runs: [] } },
    }),
  },
  ackItem: {
    statuses: AGENT,
    prepare: ofLease((l) => ({
      params: { id: l.itemId },
      body: { fencingToken: l.fencingToken, runId: fresh('run') },
    })),
  },
  failItem: {
    statuses: AGENT,
    prepare: ofLease((l) => ({
      params: { id: l.itemId },
      body: { fencingToken: l.fencingToken, stage: 'agent', message: 'could not prepare' },
    })),
  },
  updateRunStatus: {
    statuses: AGENT,
    prepare: ofRun((run) => ({
      params: { id: run.runId },
      body: { fencingToken: run.fencingToken, state: 'running' },
    })),
  },
  appendLogs: {
    statuses: AGENT,
    prepare: ofRun((run) => ({
      params: { id: run.runId },
      body: { fencingToken: run.fencingToken, lines: [{ stream: 'stdout', text: 'epoch 1' }] },
    })),
  },
  createUser: {
    statuses: SERVER_ADMIN,
    prepare: () => ({ input: { body: { name: fresh('user') } } }),
  },
  listUsers: { statuses: SERVER_ADMIN, prepare: () => ({ input: {} }) },
  createTeam: { statuses: ANY_USER, prepare: () => ({ input: { body: { name: fresh('team') } } }) },
  listMembers: { statuses: READ, prepare: () => ({ input: { params: { entity: TEAM } } }) },
  setMember: {
    statuses: ADMIN,
    prepare: () => ({
      input: { params: { entity: TEAM, user: 'guest' }, body: { role: 'viewer' } },
    }),
  },
  removeMember: {
    statuses: ADMIN,
    prepare: async (t) => {
      // The guest is a viewer again, so that each allowed removal removes someone.
      await t.api(t.keys.teamAdmin).request('setMember', {
        params: { entity: TEAM, user: 'guest' },
        body: { role: 'viewer' },
      });
      return { input: { params: { entity: TEAM, user: 'guest' } } };
    },
  },
  createKey: {
    statuses: ADMIN,
    prepare: () => ({
      input: { body: { kind: 'agent', entity: TEAM, queues: ['default'] } },
    }),
  },
  listKeys: { statuses: ANY_USER, prepare: () => ({ input: {} }) },
  revokeKey: {
    statuses: REVOKE,
    prepare: async (t) => {
      const created = await t.api(t.keys.teamAdmin).request('createKey', {
        body: { kind: 'agent', entity: TEAM, queues: ['gpu'], name: 'to revoke' },
      });
      return { input: { params: { id: created.key.id } } };
    },
  },
};

let t: Tenants;
beforeAll(async () => {
  t = await startTenants();
});
afterAll(() => t.close());

function keyOf(credential: Credential, cell: Cell<RouteName>): string | undefined {
  if (credential === 'none') return undefined;
  if (credential === 'runOwn') return (cell.run ?? t.runA).runToken;
  if (credential === 'runOther') return t.runB.runToken;
  return t.keys[credential];
}

describe('authorization matrix', () => {
  it('has a row for every route of the route table, and no other', () => {
    expect(Object.keys(matrix).sort()).toEqual(Object.keys(routes).sort());
  });

  it('every route × every credential answers the expected status', async () => {
    const surprises: string[] = [];
    let cells = 0;
    for (const name of Object.keys(routes) as RouteName[]) {
      const row = matrix[name] as Row<RouteName>;
      for (const [i, credential] of CREDENTIALS.entries()) {
        const cell = await row.prepare(t);
        const { status, body } = await call(t.url, name, cell.input, keyOf(credential, cell));
        cells++;
        if (status !== row.statuses[i]) {
          surprises.push(
            `${name} as ${credential}: ${status} (expected ${row.statuses[i]}) ${JSON.stringify(body).slice(0, 200)}`,
          );
        }
      }
    }
    expect(surprises).toEqual([]);
    expect(cells).toBe(Object.keys(routes).length * CREDENTIALS.length);
  });
});
