/**
 * @module Making API keys: the key is shown once and only its sha256 is stored; the first characters
 * are kept so that `tminus key list` can tell keys apart.
 */
import type { ApiKeyInfo } from '@tminus/sdk/protocol';

import type { ApiKeyRecord } from '../../store/store.js';
import { newApiKey, newId, sha256Hex } from '../ids.js';

const PREFIX_LENGTH = 12;

export interface KeySpec {
  readonly kind: 'user' | 'agent';
  readonly name: string;
  readonly user: string;
  readonly entity: string;
  readonly queues: readonly string[] | null;
}

/** A new key and the record to store for it (`key` given: the bootstrap key an operator chose). */
export function mintKey(
  spec: KeySpec,
  now: number,
  key: string = newApiKey(spec.kind),
): { record: ApiKeyRecord; apiKey: string } {
  return {
    apiKey: key,
    record: {
      id: newId('key'),
      name: spec.name,
      hash: sha256Hex(key),
      entity: spec.entity,
      kind: spec.kind,
      user: spec.user,
      queues: spec.queues,
      prefix: key.slice(0, PREFIX_LENGTH),
      createdAt: now,
      revokedAt: null,
    },
  };
}

export function toKeyInfo(r: ApiKeyRecord): ApiKeyInfo {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    prefix: r.prefix,
    user: r.user,
    entity: r.entity,
    queues: r.queues === null ? null : [...r.queues],
    createdAt: new Date(r.createdAt).toISOString(),
    revokedAt: r.revokedAt === null ? null : new Date(r.revokedAt).toISOString(),
  };
}
