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
