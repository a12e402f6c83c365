/**
 * @module Authentication: the `Authorization: Bearer …` header becomes a `Principal` — a user key (its
 * user and their roles), an agent key (its entity and queues) or a run token (its run). Keys are stored
 * as sha256 hashes only. What a key resolved to is cached, and the cache is dropped whenever keys or
 * memberships change (`access` topic, from any replica), so a revocation takes effect on the next
 * request; with replicas, a lost notification is covered by re-reading at least every `ttlMs`.
 */
import { LaunchError } from '@tminus/sdk';
import type { Role } from '@tminus/sdk/protocol';

import { BoundedMap } from '../lib/bounded-map.js';
import { isRunToken, runIdOfToken, runTokenMatches } from '../lib/run-token.js';
import type { ApiKeyRecord, Store } from '../store/store.js';
import type { Principal } from './access/principal.js';
import { sha256Hex } from './ids.js';

export type { Principal as AuthContext } from './access/principal.js';

/** Longer bearer values are not keys (ours are 36 characters, run tokens under 220). */
const MAX_CREDENTIAL = 512;
const ACTIVE_RUN_STATES = new Set(['pending', 'starting', 'running', 'stopping']);

const unauthenticated = (message: string, hint: string) =>
  new LaunchError('UNAUTHENTICATED', message, { hint });

export class Authenticator {
  readonly #store: Store;
  readonly #ttlMs: number;
  readonly #cache = new BoundedMap<string, { principal: Principal; at: number }>(10_000);

  /** @param ttlMs how long a resolved key is trusted without re-reading (Infinity: one process owns the store). */
  constructor(store: Store, ttlMs = Infinity) {
    this.#store = store;
    this.#ttlMs = ttlMs;
  }

  /** Keys, users or memberships changed: resolve every key afresh. */
  invalidate(): void {
    this.#cache.clear();
  }

  async authenticate(header: string | undefined): Promise<Principal> {
    const credential = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    if (credential === undefined) {
      throw unauthenticated(
        'Missing API key',
        'Send "Authorization: Bearer <key>". `tminus up` writes a key to ~/.config/tminus/config.json; or set TMINUS_API_KEY.',
      );
    }
    if (credential.length > MAX_CREDENTIAL) throw unknownKey();
    if (isRunToken(credential)) return this.#runPrincipal(credential);
    const hash = sha256Hex(credential);
    const cached = this.#cache.get(hash);
    if (cached !== undefined && Date.now() - cached.at < this.#ttlMs) return cached.principal;
    const record = await this.#store.findApiKeyByHash(hash);
    if (record === undefined) throw unknownKey();
    if (record.revokedAt !== null) {
      throw unauthenticated(
        `API key ${record.prefix}… (${record.id}) was revoked`,
        'Use another key, or create one with `tminus key create`.',
      );
    }
    const principal = await this.#principalOf(record);
    this.#cache.set(hash, { principal, at: Date.now() });
    return principal;
  }

  async #principalOf(record: ApiKeyRecord): Promise<Principal> {
    const common = { keyId: record.id, keyName: record.name, entity: record.entity };
    if (record.kind === 'agent') {
      return { ...common, kind: 'agent', user: record.user, queues: record.queues ?? [] };
    }
    const user = await this.#store.getUser(record.user);
    if (user === undefined) throw unknownKey();
    const memberships = await this.#store.listMemberships(user.name);
    const roles = new Map<string, Role>(memberships.map((m) => [m.entity, m.role]));
    return { ...common, kind: 'user', user: user.name, admin: user.admin, roles };
  }

  /** A run token is checked against the run's current attempt each time (it is used rarely). */
  async #runPrincipal(token: string): Promise<Principal> {
    const runId = runIdOfToken(token);
    const run = runId === undefined ? undefined : await this.#store.getRunOwner(runId);
    if (run === undefined || !runTokenMatches(token, run.id, run.fencingToken)) {
      throw unauthenticated(
        'Unknown or expired run token',
        'A run token is good for its own run while that attempt is active (TMINUS_RUN_TOKEN).',
      );
    }
    if (!ACTIVE_RUN_STATES.has(run.state)) {
      throw unauthenticated(
        `Run ${run.id} has ended (${run.state}); its run token expired with it`,
        'Read finished runs with a user key.',
      );
    }
    return {
      kind: 'run',
      keyId: `run:${run.id}`,
      keyName: 'run token',
      entity: run.entity,
      runId: run.id,
    };
  }
}

function unknownKey(): LaunchError {
  return unauthenticated(
    'Unknown API key',
    'Check TMINUS_API_KEY or the key in ~/.config/tminus/config.json; `tminus up` writes a fresh one.',
  );
}
