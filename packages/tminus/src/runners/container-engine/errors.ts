/**
 * @module Errors of a container engine command, as LaunchErrors: a command that failed carries
 * its command line, exit code and the end of its error output; `isNoSuchObject` tells "that
 * container or image does not exist" (which several operations treat as an answer, not a failure).
 */
import { LaunchError } from '@tminus/sdk';
import type { ErrorCode } from '@tminus/sdk/protocol';

/** At most this much of a command's error output goes into a message. */
const STDERR_TAIL = 2_000;

export class ContainerEngineError extends LaunchError {
  override readonly name: string = 'ContainerEngineError';

  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    code: ErrorCode = 'UNAVAILABLE',
  ) {
    const tail = stderr.trim().slice(-STDERR_TAIL);
    const how = exitCode === null ? 'was stopped' : `exited with ${exitCode}`;
    super(code, `${argv.join(' ')} ${how}${tail === '' ? '' : `: ${tail}`}`, {
      details: { argv, exitCode },
    });
  }
}

const NO_SUCH = /no such (container|image|object)|image not known|no container with name or id/i;

/** The engine said the named container or image does not exist. */
export function isNoSuchObject(stderr: string): boolean {
  return NO_SUCH.test(stderr);
}
