/**
 * @module Every error a `Store` adapter raises, made in one place so that each adapter answers a
 * failure with the same code, message and hint (the contract, `store-failures-contract.ts`, checks
 * them word for word). An adapter only decides *which* failure happened; the words are made here.
 */
import { LaunchError } from '@tminus/sdk';

/** The error every adapter raises for a write whose fencing token no longer owns the object. */
export function staleToken(what: string): LaunchError {
  return new LaunchError(
    'STALE_TOKEN',
    `${what} is owned by another agent or attempt (stale fencing token); stop reporting on it`,
    {
      hint: 'The lease expired or the run was re-queued; this writer no longer owns it.',
    },
  );
}

/** Users and entities share one namespace (a user's personal entity bears their name). */
export function nameTaken(name: string): LaunchError {
  return new LaunchError('CONFLICT', `The name "${name}" is taken by a user or an entity`, {
    hint: 'User and team names share one namespace; pick another name.',
  });
}

export function keyExists(id: string): LaunchError {
  return new LaunchError('CONFLICT', `API key ${id} already exists`);
}

export function queueExists(entity: string, name: string): LaunchError {
  return new LaunchError('CONFLICT', `Queue "${name}" already exists for entity "${entity}"`, {
    hint: 'Pick another name, or use the existing queue.',
  });
}

export function queueNotFound(queueId: string): LaunchError {
  return new LaunchError('NOT_FOUND', `Queue ${queueId} not found`, {
    hint: 'List queues with `tminus queue list`.',
  });
}

export function itemExists(itemId: string): LaunchError {
  return new LaunchError('CONFLICT', `A queued run with id "${itemId}" already exists`);
}

export function runExists(runId: string): LaunchError {
  return new LaunchError('CONFLICT', `A run with id "${runId}" already exists`, {
    hint: 'Run ids are unique; choose another one.',
  });
}

/** An item re-queued as a run's next attempt is acknowledged only as that run. */
export function retryOfOtherRun(itemId: string, runId: string): LaunchError {
  return new LaunchError(
    'CONFLICT',
    `Queued run ${itemId} is a retry of run ${runId}; acknowledge it with that run id`,
  );
}

export function runNotFound(runId: string): LaunchError {
  return new LaunchError('NOT_FOUND', `Run ${runId} not found`);
}

export function itemNotFound(itemId: string): LaunchError {
  return new LaunchError('NOT_FOUND', `Queued run ${itemId} not found`);
}

/**
 * Why a fenced write changed nothing: the object is gone (`NOT_FOUND`), or the token no longer owns
 * it (`STALE_TOKEN`). `exists` is the adapter's answer to "is there such a row at all".
 */
export function runRefused(runId: string, exists: boolean): LaunchError {
  return exists ? staleToken(`Run ${runId}`) : runNotFound(runId);
}

export function itemRefused(itemId: string, exists: boolean): LaunchError {
  return exists ? staleToken(`Queued run ${itemId}`) : itemNotFound(itemId);
}

export function agentExists(agentId: string): LaunchError {
  return new LaunchError('CONFLICT', `Agent ${agentId} is already registered`);
}

export function agentNotFound(agentId: string): LaunchError {
  return new LaunchError('NOT_FOUND', `Agent ${agentId} not found`, {
    hint: 'Restart the agent; it registers again.',
  });
}

/** Metrics arrive only while their run is live. */
export function runEnded(runId: string, state: string): LaunchError {
  return new LaunchError(
    'CONFLICT',
    `Run ${runId} has ended (${state}); it takes no more metrics`,
    {
      hint: 'Metrics are logged by the run’s own program while it runs.',
    },
  );
}
