/**
 * @module The PostgreSQL adapter's three writes of every run — the claim, the first ack and the
 * agent's fenced status reports — batched across concurrent requests (lib/batcher.ts): with many
 * agents one statement and one commit serve several of them, where each used to cost a round trip,
 * a transaction and (for acks and reports) a WAL flush of its own. A call that the batched statement
 * does not answer resolves `undefined`, and postgres-store.ts decides it alone (refusals, a retry's
 * next attempt, a repeated ack).
 */
import type { RunState } from '@tminus/sdk/protocol';
import type pg from 'pg';

import { BoundedMap } from '../../lib/bounded-map.js';
import { Batcher } from '../../lib/batcher.js';
import type { BareItemRow, BareRunRow } from '../rows.js';
import type { ClaimParams, NewRun, RunPatch } from '../store.js';
import { RUN_COLUMNS } from '../values.js';
import { jsonText as j, PATCH_COLUMNS, patchSet, patchValues } from '../run-patch.js';
import type { Queries } from './pg-queries.js';

/**
 * Settings of the connections these statements run on. Their rows come from arrays (`unnest`), whose
 * length the planner cannot know ahead: left to choose, PostgreSQL re-plans them at every execution
 * (2–4× the CPU of running them). Their plans do not depend on the values, so these connections always
 * use the generic plan, made once per connection — possibly while a table is still empty, when a
 * sequential scan looks cheapest and would then stay for good. Every statement here is a keyed
 * lookup, so sequential scans are ruled out (hot-writes.postgres.test.ts checks the plans).
 */
export const HOT_CONNECTION_SETTINGS = [
  '-c plan_cache_mode=force_generic_plan',
  '-c enable_seqscan=off',
] as const;

/**
 * Batches in flight at once, per kind of write (and per queue for claims). One: everything that
 * arrives meanwhile goes in the next batch. Measured with 8 and 16 agents (docs/benchmarks.md), 1
 * beat 2, 3, 4 and 8: the database's work per call, not the wait for a turn, limits throughput here.
 */
const CONCURRENCY = 1;

/**
 * Leases the head of a queue to each request, in order, skipping rows another claimer holds.
 * Params: agent ids, tokens, lease expiries (one per request), queue id, number of requests.
 */
export const CLAIM = `
  WITH req AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
      WITH ORDINALITY AS t(agent_id, token, lease_expires_at, ord)),
  picked AS (
    SELECT seq, row_number() OVER (ORDER BY priority, seq) AS ord FROM (
      SELECT seq, priority FROM queue_items WHERE queue_id = $4 AND state = 'pending'
      ORDER BY priority, seq LIMIT $5 FOR UPDATE SKIP LOCKED) s)
  UPDATE queue_items i SET state = 'leased', agent_id = req.agent_id, fencing_token = req.token,
    lease_expires_at = req.lease_expires_at
  FROM picked JOIN req ON req.ord = picked.ord WHERE i.seq = picked.seq
  RETURNING i.*, req.ord`;

/**
 * The item's state is compared with a parameter ($15 = 'leased'), not a literal: with a literal, a
 * generic plan made while the table was small used the partial index of leased items
 * (`queue_items_leased`, for the lease sweeper) instead of the one on `id`, and as leased items piled
 * up each ack scanned all of them (10,000 scans read 100 million index entries in one benchmark).
 */
export const FIRST_ACK = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                         $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                         $13::bigint[], $14::bigint[], $16::text[])
      WITH ORDINALITY AS t(item_id, token, id, entity, project, name, state, queue_id, job, spec,
                           config, agent_id, lease_expires_at, now, created_by, ord)),
  item AS (
    UPDATE queue_items q SET state = 'claimed', run_id = input.id FROM input
    WHERE q.id = input.item_id AND q.state = $15 AND q.fencing_token = input.token
      AND q.run_id IS NULL
    RETURNING q.id AS item_id, q.agent_id)
  INSERT INTO runs (${RUN_COLUMNS})
  SELECT input.id, input.entity, input.project, input.name, input.state, input.item_id,
         input.queue_id, input.job, input.spec, input.config, '{}',
         coalesce(input.agent_id, item.agent_id), input.token, input.lease_expires_at, input.now,
         input.now, input.created_by
  FROM input JOIN item USING (item_id) ORDER BY input.ord
  RETURNING *`;

/**
 * `RunPatch` per row (run-patch.ts). Params: ids, tokens, states each must be in (or null), then
 * one array per patch column.
 */
export const FENCED_UPDATE = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[],
                         $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::text[])
      AS t(id, token, if_state, ${PATCH_COLUMNS.join(', ')}))
  UPDATE runs r SET ${patchSet((column) => `input.${column}`, 'r.')}
  FROM input WHERE r.id = input.id AND r.fencing_token = input.token
    AND coalesce(input.if_state, r.state) = r.state
  RETURNING r.*`;

export interface FirstAck {
  readonly itemId: string;
  readonly token: string;
  readonly run: NewRun;
}

export interface FencedUpdate {
  readonly id: string;
  readonly token: string;
  readonly patch: RunPatch;
  readonly ifState: RunState | undefined;
}

export interface HotWrites {
  /** Leases the next pending item of the queue; `undefined` when none is pending. */
  claim(params: ClaimParams): Promise<BareItemRow | undefined>;
  /** A first ack of a leased item (item claimed, run inserted); `undefined` when the item is not in that state. */
  firstAck(ack: FirstAck): Promise<BareRunRow | undefined>;
  /** A fenced update; `undefined` when the token or `ifState` does not match (or no such run). */
  fencedUpdate(update: FencedUpdate): Promise<BareRunRow | undefined>;
}

/**
 * @param pool synchronous commits (acks and reports must be durable before they are answered).
 * @param lazy asynchronous commits (a lost lease leaves the item pending; see postgres-store.ts).
 */
export function createHotWrites(pool: pg.Pool, lazy: pg.Pool, q: Queries): HotWrites {
  const claimsByQueue = new BoundedMap<string, Batcher<ClaimParams, BareItemRow | undefined>>(
    1_000,
  );
  const claimBatch = (queueId: string) => async (claims: readonly ClaimParams[]) => {
    const leased = await q.rows<BareItemRow & { ord: number }>(lazy, CLAIM, [
      claims.map((c) => c.agentId),
      claims.map((c) => c.fencingToken),
      claims.map((c) => c.leaseExpiresAt),
      queueId,
      claims.length,
    ]);
    const byOrd = new Map(leased.map(({ ord, ...row }) => [Number(ord), row]));
    return claims.map((_, i) => byOrd.get(i + 1));
  };

  const acks = new Batcher<FirstAck, BareRunRow | undefined>(
    async (batch) => {
      const column = (f: (a: FirstAck) => unknown) => batch.map(f);
      const inserted = await q.rows<BareRunRow>(pool, FIRST_ACK, [
        column((a) => a.itemId),
        column((a) => a.token),
        column((a) => a.run.id),
        column((a) => a.run.entity),
        column((a) => a.run.project),
        column((a) => a.run.name),
        column((a) => a.run.state),
        column((a) => a.run.queueId),
        column((a) => a.run.job),
        column((a) => j(a.run.spec)),
        column((a) => j(a.run.config)),
        column((a) => a.run.agentId),
        column((a) => a.run.leaseExpiresAt),
        column((a) => a.run.now),
        'leased',
        column((a) => a.run.createdBy),
      ]);
      const byItem = new Map(inserted.map((r) => [r.queue_item_id, r]));
      return batch.map((a) => byItem.get(a.itemId));
    },
    CONCURRENCY,
    500,
    (a) => a.itemId,
  );

  const updates = new Batcher<FencedUpdate, BareRunRow | undefined>(
    async (batch) => {
      const column = (f: (u: FencedUpdate) => unknown) => batch.map(f);
      const patches = batch.map((u) => patchValues(u.patch));
      const changed = await q.rows<BareRunRow>(pool, FENCED_UPDATE, [
        column((u) => u.id),
        column((u) => u.token),
        column((u) => u.ifState ?? null),
        // $4–$11: the patch's columns, in PATCH_COLUMNS order.
        ...PATCH_COLUMNS.map((_, index) => patches.map((values) => values[index])),
      ]);
      const byId = new Map(changed.map((r) => [r.id, r]));
      return batch.map((u) => byId.get(u.id));
    },
    CONCURRENCY,
    500,
    (u) => u.id,
  );

  return {
    claim(params) {
      let claims = claimsByQueue.get(params.queueId);
      if (claims === undefined)
        claimsByQueue.set(
          params.queueId,
          (claims = new Batcher(claimBatch(params.queueId), CONCURRENCY)),
        );
      return claims.call(params);
    },
    firstAck: (ack) => acks.call(ack),
    fencedUpdate: (update) => updates.call(update),
  };
}
