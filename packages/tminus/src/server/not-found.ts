/**
 * @module The NOT_FOUND answers for things reached by name or id. Services and access checks raise
 * the same error for "does not exist" and "exists, but not for you", so that an answer never tells a
 * caller that something it may not see exists.
 */
import { LaunchError } from '@tminus/sdk';

export const runNotFound = (id: string) =>
  new LaunchError('NOT_FOUND', `Run ${id} not found`, {
    hint: 'List runs with `tminus run list`.',
  });

export const itemNotFound = (id: string) =>
  new LaunchError('NOT_FOUND', `Queued run ${id} not found`, {
    hint: 'It may have been deleted; list runs with `tminus run list`.',
  });

export const agentNotFound = (id: string) =>
  new LaunchError('NOT_FOUND', `Agent ${id} is not registered`, {
    hint: 'Restart the agent; it registers again.',
  });

export const blobNotFound = (digest: string) =>
  new LaunchError('NOT_FOUND', `Blob ${digest} not found`);

export const keyNotFound = (id: string) =>
  new LaunchError('NOT_FOUND', `API key ${id} not found`, {
    hint: 'List your keys with `tminus key list`.',
  });

export const entityNotFound = (name: string) =>
  new LaunchError('NOT_FOUND', `Entity "${name}" not found, or you have no access to it`, {
    hint: `\`tminus whoami\` lists the entities you belong to; an admin of "${name}" can add you with \`tminus team add ${name} <your user> --role member\`.`,
    details: { entity: name },
  });

export const userNotFound = (name: string) =>
  new LaunchError('NOT_FOUND', `User "${name}" not found`, {
    hint: 'A server admin creates users with `tminus user create NAME`.',
  });
