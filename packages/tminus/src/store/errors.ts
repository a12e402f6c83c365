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

export function runNotFound(runId: string): LaunchError {
  return new LaunchError('NOT_FOUND', `Run ${runId} not found`);
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
