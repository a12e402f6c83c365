/**
 * @module The part of the store contract about users, entities, memberships, API keys and the
 * ownership facts access checks read. Run by `describeStoreContract` against every adapter.
 */
import { QueueItem, Run } from '@tminus/sdk/protocol';
import { expect, it } from 'vitest';
import { z } from 'zod';

import { entity, failure, key } from './contract-helpers.js';
import type { Store } from './store.js';

export function describeTenancyContract(store: () => Store, now: () => number): void {
  const createUser = (name: string, admin = false) => {
    const at = now();
    return store().createUser(
      { name, admin, createdAt: at },
      entity(name, 'user', name, at),
      key(`k_${name}`, name),
    );
  };

  it('a user comes with a personal entity, its default queue, an admin role there and a key', async () => {
    const s = store();
    expect(await s.countApiKeys()).toBe(0);
    await createUser('alice', true);
    const alice = await s.getUser('alice');
    expect(alice).toMatchObject({ name: 'alice', admin: true });
    expect(typeof alice?.createdAt).toBe('number');
    expect(await s.getEntity('alice')).toMatchObject({ name: 'alice', kind: 'user' });
    expect((await s.getQueue('alice', 'default'))?.id).toBe('q_alice_default');
    expect(await s.listMemberships('alice')).toEqual([{ entity: 'alice', role: 'admin' }]);
    expect(await s.findApiKeyByHash('hash-k_alice')).toEqual(key('k_alice', 'alice'));
    expect(await s.countApiKeys()).toBe(1);
    expect(await s.getUser('nobody')).toBeUndefined();
    expect(await s.getEntity('nobody')).toBeUndefined();
  });

  it('users and entities share one namespace, and a refused user leaves nothing behind', async () => {
    const s = store();
    await createUser('bob');
    await s.createEntity(entity('ml-team', 'team', 'bob', now()));
    for (const attempt of [
      () => createUser('bob'),
      () => createUser('ml-team'),
      () => s.createEntity(entity('bob', 'team', null, now())),
      () => s.createEntity(entity('ml-team', 'team', null, now())),
    ]) {
      const error = await failure(attempt());
      expect(error.code).toBe('CONFLICT');
      expect(error.message).toMatch(/^The name "(bob|ml-team)" is taken by a user or an entity$/);
    }
    // The refused user "ml-team" created no user row, no key.
    expect(await s.getUser('ml-team')).toBeUndefined();
    expect(await s.findApiKeyByHash('hash-k_ml-team')).toBeUndefined();
    expect(await s.getEntity('ml-team')).toMatchObject({ kind: 'team' });
    expect((await s.listUsers()).map((u) => [u.name, u.admin])).toEqual([['bob', false]]);
  });

  it('memberships: add, change a role, list, remove', async () => {
    const s = store();
    await createUser('carol');
    await createUser('dave');
    await s.createEntity(entity('vision', 'team', 'carol', now()));
    await s.setMembership('vision', 'dave', 'viewer', now());
    expect(await s.listMembers('vision')).toEqual([
      { user: 'carol', role: 'admin' },
      { user: 'dave', role: 'viewer' },
    ]);
    await s.setMembership('vision', 'dave', 'member', now());
    expect(await s.listMemberships('dave')).toEqual([
      { entity: 'dave', role: 'admin' },
      { entity: 'vision', role: 'member' },
    ]);
    expect(await s.removeMembership('vision', 'dave')).toBe(true);
    expect(await s.removeMembership('vision', 'dave')).toBe(false);
    expect(await s.listMembers('vision')).toEqual([{ user: 'carol', role: 'admin' }]);
  });

  it('keys: agent keys keep their queues; listing filters by owner and administered entity; revoke once', async () => {
    const s = store();
    await createUser('erin');
    await createUser('frank');
    const agentKey = key('k_agent', 'erin', {
      kind: 'agent',
      entity: 'vision',
      queues: ['gpu', 'default'],
      name: 'rack-1',
      createdAt: 2_000,
    });
    await s.createApiKey(agentKey);
    expect(await s.getApiKey('k_agent')).toEqual(agentKey);
    expect((await failure(s.createApiKey(agentKey))).code).toBe('CONFLICT');
    // frank administers "vision": he sees its agent keys, not erin's user key.
    const ids = async (filter: Parameters<Store['listApiKeys']>[0]) =>
      (await s.listApiKeys(filter)).map((k) => k.id);
    expect(await ids({ user: 'frank', adminOf: ['vision'] })).toEqual(['k_agent', 'k_frank']);
    expect(await ids({ user: 'frank', adminOf: [] })).toEqual(['k_frank']);
    expect(await ids({ user: 'erin', adminOf: [] })).toEqual(['k_agent', 'k_erin']);
    expect((await ids({ all: true })).sort()).toEqual(['k_agent', 'k_erin', 'k_frank']);
    expect(await s.revokeApiKey('k_agent', 5_000)).toBe(true);
    expect(await s.revokeApiKey('k_agent', 6_000)).toBe(false);
    expect(await s.revokeApiKey('k_none', 6_000)).toBe(false);
    expect((await s.findApiKeyByHash('hash-k_agent'))?.revokedAt).toBe(5_000);
  });

  it('blob references: readable by the entities that use the blob only', async () => {
    const s = store();
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(await s.blobReadableBy(digest, null)).toBe(false);
    await s.addBlobRef(digest, 'alpha');
    await s.addBlobRef(digest, 'alpha');
    expect(await s.blobReadableBy(digest, ['alpha'])).toBe(true);
    expect(await s.blobReadableBy(digest, ['beta', 'alpha'])).toBe(true);
    expect(await s.blobReadableBy(digest, ['beta'])).toBe(false);
    expect(await s.blobReadableBy(digest, [])).toBe(false);
    expect(await s.blobReadableBy(digest, null)).toBe(true);
  });

  it('who launched an item and its run, and the ownership facts of both', async () => {
    const s = store();
    await createUser('gina');
    const at = now();
    const { item } = await s.enqueue({
      id: 'qi_owned',
      queueId: 'q_gina_default',
      priority: 2,
      spec: { entity: 'gina', project: 'p' },
      templateVariables: {},
      projectQueue: 'model-registry',
      warnings: [],
      createdBy: 'gina',
      idempotencyKey: null,
      now: at,
    });
    z.strictObject(QueueItem.shape).parse(item);
    expect(item.createdBy).toBe('gina');
    expect((await s.getQueueItem('qi_owned'))?.createdBy).toBe('gina');
    expect(await s.getItemOwner('qi_owned')).toEqual({
      id: 'qi_owned',
      queueId: 'q_gina_default',
      entity: 'gina',
      createdBy: 'gina',
    });
    expect(await s.getItemOwner('qi_none')).toBeUndefined();
    await s.claim({
      queueId: 'q_gina_default',
      agentId: 'ag',
      fencingToken: 'tok-1',
      now: now(),
      leaseExpiresAt: now() + 30_000,
    });
    const run = await s.ackItem('qi_owned', 'tok-1', {
      id: 'run-owned',
      entity: 'gina',
      project: 'p',
      name: null,
      queueItemId: 'qi_owned',
      queueId: 'q_gina_default',
      job: null,
      spec: {},
      config: {},
      agentId: null,
      fencingToken: 'tok-1',
      state: 'starting',
      leaseExpiresAt: now() + 30_000,
      createdBy: 'gina',
      now: now(),
    });
    z.strictObject(Run.shape).parse(run);
    expect(run.createdBy).toBe('gina');
    expect(await s.getRunOwner('run-owned')).toEqual({
      id: 'run-owned',
      entity: 'gina',
      queueId: 'q_gina_default',
      createdBy: 'gina',
      fencingToken: 'tok-1',
      state: 'starting',
    });
    expect(await s.getRunOwner('run-none')).toBeUndefined();
  });
}
