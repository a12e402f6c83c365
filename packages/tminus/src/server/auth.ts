/**
 * @module API keys: stored only as sha256 hashes; each has a default entity used when a call names none.
 */
import { LaunchError } from '@tminus/sdk';

import type { ApiKeyRecord, Store } from '../store/store.js';
import { newApiKey, newId, sha256Hex } from './ids.js';

export interface AuthContext {
  readonly keyId: string;
  readonly keyName: string;
  readonly entity: string;
}

export class Authenticator {
  readonly #store: Store;
  // Keys are immutable once created, so a verified hash can be cached for the process lifetime.
  readonly #cache = new Map<string, AuthContext>();

  constructor(store: Store) {
    this.#store = store;
  }

  async authenticate(header: string | undefined): Promise<AuthContext> {
    const key = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    if (key === undefined) {
      throw new LaunchError('UNAUTHENTICATED', 'Missing API key', {
        hint: 'Send "Authorization: Bearer <key>". `tminus up` writes a key to ~/.config/tminus/config.json; or set TMINUS_API_KEY.',
      });
    }
    const hash = sha256Hex(key);
    const cached = this.#cache.get(hash);
    if (cached !== undefined) return cached;
    const record = await this.#store.findApiKeyByHash(hash);
    if (record === undefined) {
      throw new LaunchError('UNAUTHENTICATED', 'Unknown API key', {
        hint: 'Check TMINUS_API_KEY or the key in ~/.config/tminus/config.json; `tminus up` writes a fresh one.',
      });
    }
    const context = { keyId: record.id, keyName: record.name, entity: record.entity };
    this.#cache.set(hash, context);
    return context;
  }

  /** Creates a key for an entity and returns it; only its hash is stored. */
  async issue(
    entity: string,
    name: string,
    now: number,
    key: string = newApiKey(),
  ): Promise<string> {
    const record: ApiKeyRecord = {
      id: newId('key'),
      name,
      hash: sha256Hex(key),
      entity,
      createdAt: now,
    };
    await this.#store.createApiKey(record);
    return key;
  }
}
