/**
 * Tenancy on a real server, as the review of 2026-12-04 attacked it: another entity's key gets
 * nowhere, a forged run id is refused, reads create nothing, and revocations and role changes take
 * effect on the next request.
 */
import { join } from 'node:path';

import { LaunchError } from '@tminus/sdk';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runTokenFor } from '../../packages/tminus/src/lib/run-token.js';
import { call, fresh, startTenants, TEAM, type Tenants } from '../helpers/tenants.js';

let t: Tenants;
beforeAll(async () => {
  t = await startTenants();
});
afterAll(() => t.close());

const entityCount = (dataDir: string) => {
  const db = new Database(join(dataDir, 'tminus.db'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM entities').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe("another entity's key", () => {
  it('can neither read, publish, queue, run, report nor cancel anything of the team', async () => {
    const bob = t.keys.outsider;
    // The run first: making it leases every pending item, the new one included.
    const run = await t.liveRun();
    const item = await t.pendingItem();
    const attempts = [
      await call(t.url, 'getRun', { params: { id: t.runA.runId } }, bob),
      await call(t.url, 'getLogs', { params: { id: t.runA.runId } }, bob),
      await call(t.url, 'listRuns', { query: { entity: TEAM } }, bob),
      await call(t.url, 'listQueueItems', { params: { entity: TEAM, name: 'default' } }, bob),
      await call(
        t.url,
        'createJob',
        {
          body: {
            entity: TEAM,
            project: 'p',
            name: 'train',
            source: { type: 'image', image: 'evil:latest' },
          },
        },
        bob,
      ),
      await call(
        t.url,
        'enqueue',
        { body: { queue: 'default', queueEntity: TEAM, spec: { entity: 'outsider' } } },
        bob,
      ),
      await call(
        t.url,
        'registerAgent',
        { body: { entity: TEAM, queues: ['default'], hostname: 'x', maxJobs: 1, version: 'x' } },
        bob,
      ),
      await call(t.url, 'claim', { params: { id: t.agentId }, body: { waitMs: 0 } }, bob),
      await call(
        t.url,
        'updateRunStatus',
        { params: { id: run.runId }, body: { fencingToken: run.fencingToken, state: 'finished' } },
        bob,
      ),
      await call(t.url, 'deleteQueueItem', { params: { id: item } }, bob),
      await call(t.url, 'cancelRun', { params: { id: run.runId } }, bob),
    ];
    for (const attempt of attempts) {
      expect(attempt.status).toBe(404);
      expect(JSON.stringify(attempt.body)).not.toContain('"config"');
    }
    // Nothing moved: the job's latest version, the item, the run.
    const owner = t.api(t.keys.teamAdmin);
    expect((await owner.request('resolveJob', { query: { ref: t.jobRef } })).version).toBe('v0');
    expect((await owner.request('getQueueItem', { params: { id: item } })).state).toBe('pending');
    expect((await owner.request('getRun', { params: { id: run.runId } })).state).toBe('starting');
  });
});

describe('ids and names are validated before they are used', () => {
  it('an ack with a path in its run id is refused and changes nothing', async () => {
    const leased = await t.lease();
    const forged = await call(
      t.url,
      'ackItem',
      {
        params: { id: leased.itemId },
        body: { fencingToken: leased.fencingToken, runId: '../../../victim/target' },
      },
      t.keys.agentOwnQueue,
    );
    expect(forged.status).toBe(400);
    expect(JSON.stringify(forged.body)).toContain('body.runId');
    const item = await t.api(t.keys.teamAdmin).request('getQueueItem', {
      params: { id: leased.itemId },
    });
    expect([item.state, item.runId]).toEqual(['leased', null]);
  });

  it('entity and project names in a launch spec must be names', async () => {
    for (const entity of ['../..', 'a\u0000b', 'x'.repeat(8_000)]) {
      const response = await call(
        t.url,
        'enqueue',
        { body: { queue: 'default', spec: { entity, job: t.jobRef } } },
        t.keys.launcher,
      );
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body)).toContain('body.spec.entity');
    }
  });
});

describe('reads create nothing', () => {
  it('GETs naming entities that do not exist answer 404 or nothing, and create no entity', async () => {
    const before = entityCount(t.dataDir);
    const admin = t.keys.serverAdmin;
    const ghost = fresh('ghost');
    expect(
      (await call(t.url, 'getQueue', { params: { entity: ghost, name: 'default' } }, admin)).status,
    ).toBe(404);
    for (const name of ['listQueues', 'listRuns', 'listJobs', 'listAgents'] as const) {
      const response = await call(t.url, name, { query: { entity: ghost } }, admin);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ items: [] });
    }
    const long = await call(
      t.url,
      'getQueue',
      { params: { entity: 'e'.repeat(14_000), name: 'default' } },
      admin,
    );
    expect(long.status).toBe(400);
    expect(entityCount(t.dataDir)).toBe(before);
    // The name is still free: nothing was made of it.
    await t.api(admin).request('createTeam', { body: { name: ghost } });
    expect(entityCount(t.dataDir)).toBe(before + 1);
  });
});

describe('changes take effect on the next request', () => {
  it('a revoked key is refused from the next request on', async () => {
    const owner = t.api(t.keys.teamAdmin);
    const created = await owner.request('createKey', { body: { kind: 'user', name: 'laptop' } });
    const laptop = t.api(created.apiKey);
    expect((await laptop.request('whoami', {})).user).toBe('owner');
    const listed = (await owner.request('listKeys', {})).items.find((k) => k.id === created.key.id);
    expect(listed?.prefix).toBe(created.apiKey.slice(0, 12));
    expect(JSON.stringify(await owner.request('listKeys', {}))).not.toContain(created.apiKey);
    expect((await owner.request('revokeKey', { params: { id: created.key.id } })).revoked).toBe(
      true,
    );
    const refused = await laptop.request('whoami', {}).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LaunchError);
    expect((refused as LaunchError).code).toBe('UNAUTHENTICATED');
    expect((refused as LaunchError).message).toContain('was revoked');
  });

  it('a viewer made a member can launch at once, and cannot once made a viewer again', async () => {
    const owner = t.api(t.keys.teamAdmin);
    const viewer = t.api(t.keys.viewer);
    const launch = () =>
      viewer
        .request('enqueue', { body: { queue: 'default', spec: { entity: TEAM, job: t.jobRef } } })
        .then(
          () => 'ok',
          (e: LaunchError) => e.code,
        );
    expect(await launch()).toBe('PERMISSION_DENIED');
    const role = (r: 'member' | 'viewer') =>
      owner.request('setMember', { params: { entity: TEAM, user: 'viewer' }, body: { role: r } });
    await role('member');
    expect(await launch()).toBe('ok');
    await role('viewer');
    expect(await launch()).toBe('PERMISSION_DENIED');
  });

  it('a team keeps its last admin, and a personal entity has no members to manage', async () => {
    const owner = t.api(t.keys.teamAdmin);
    const last = await owner
      .request('removeMember', { params: { entity: TEAM, user: 'owner' } })
      .catch((e: LaunchError) => e);
    expect(last).toMatchObject({ code: 'CONFLICT', message: 'owner is the last admin of "acme"' });
    const personal = await owner
      .request('setMember', {
        params: { entity: 'owner', user: 'viewer' },
        body: { role: 'viewer' },
      })
      .catch((e: LaunchError) => e);
    expect(personal).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('run tokens', () => {
  it('read their own run while it is live, nothing else, and expire when it ends', async () => {
    const run = await t.liveRun();
    const token = t.api(run.runToken);
    expect((await token.request('whoami', {})).runId).toBe(run.runId);
    expect((await token.request('getRun', { params: { id: run.runId } })).id).toBe(run.runId);
    for (const attempt of [
      () => token.request('getRun', { params: { id: t.runA.runId } }),
      () => token.request('listRuns', { query: { entity: TEAM } }),
    ]) {
      expect(await attempt().catch((e: LaunchError) => e.code)).toMatch(
        /NOT_FOUND|PERMISSION_DENIED/,
      );
    }
    // A token made from a wrong fencing token is no token.
    const forged = t.api(runTokenFor(run.runId, 'guessed'));
    expect(await forged.request('whoami', {}).catch((e: LaunchError) => e.code)).toBe(
      'UNAUTHENTICATED',
    );
    await t.api(t.keys.agentOwnQueue).request('updateRunStatus', {
      params: { id: run.runId },
      body: { fencingToken: run.fencingToken, state: 'finished', exitCode: 0 },
    });
    const ended = await token
      .request('getRun', { params: { id: run.runId } })
      .catch((e: unknown) => e);
    expect(ended).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('log their own run’s metrics while it is live; no key may, and the token stops when the run ends', async () => {
    const run = await t.liveRun();
    const token = t.api(run.runToken);
    const body = { points: [{ step: 0, values: { loss: 1 } }], summary: { loss: 1 } };
    expect(await token.request('logMetrics', { params: { id: run.runId }, body })).toEqual({
      accepted: 1,
      next: 1,
      truncated: false,
    });
    const viewer = t.api(t.keys.viewer);
    const page = await viewer.request('getMetrics', { params: { id: run.runId } });
    expect(page.points.map((p) => [p.step, p.values])).toEqual([[0, { loss: 1 }]]);
    expect((await viewer.request('getRun', { params: { id: run.runId } })).summary).toEqual({
      loss: 1,
    });
    // Not even the team's admin writes a run's metrics: they are what its program logged.
    const admin = await t
      .api(t.keys.teamAdmin)
      .request('logMetrics', { params: { id: run.runId }, body })
      .catch((e: LaunchError) => e);
    expect(admin).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect((admin as LaunchError).hint).toContain('TMINUS_RUN_TOKEN');
    await t.api(t.keys.agentOwnQueue).request('updateRunStatus', {
      params: { id: run.runId },
      body: { fencingToken: run.fencingToken, state: 'failed', exitCode: 1 },
    });
    const late = await token
      .request('logMetrics', { params: { id: run.runId }, body })
      .catch((e: LaunchError) => e);
    expect(late).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await viewer.request('getMetrics', { params: { id: run.runId } })).points).toHaveLength(
      1,
    );
  });
});
