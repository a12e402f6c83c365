import type { FailureStage } from '@tminus/sdk/protocol';

/**
 * A failure before the program starts, with a message the user can act on: the run fails at stage
 * `agent` (preparing it on the agent) or `build` (making its image), with `reason` for machines.
 */
export class PrepareError extends Error {
  override readonly name = 'PrepareError';
  constructor(
    message: string,
    readonly reason: string,
    readonly stage: Exclude<FailureStage, 'run'> = 'agent',
  ) {
    super(message);
  }
}
