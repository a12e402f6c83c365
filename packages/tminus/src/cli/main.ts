/**
 * @module The CLI entry: runs the program and maps errors to messages and exit codes
 * (0 ok, 1 error, 2 usage, 3 a waited-for run did not succeed).
 */
import { LaunchError } from '@tminus/sdk';
import { CommanderError } from 'commander';

import { createProgram } from './program.js';
import { EXIT, RunFailedExit, UsageError } from './usage-error.js';
import { expandTwoLetterOptions } from './wandb-argv.js';

const debug = process.argv.includes('--debug') || process.env.TMINUS_DEBUG === '1';

function fail(code: number, message: string, hint?: string, error?: unknown): never {
  process.stderr.write(`error: ${message}\n`);
  if (hint) process.stderr.write(`hint: ${hint}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(code);
}

try {
  await createProgram().parseAsync(expandTwoLetterOptions(process.argv));
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has printed its message already; --help and --version end with code 0.
    process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  if (error instanceof UsageError) fail(EXIT.usage, error.message, error.hint, error);
  if (error instanceof RunFailedExit) fail(EXIT.runFailed, error.message, undefined, error);
  if (error instanceof LaunchError) {
    // INVALID_ARGUMENT raised locally (no HTTP status) is a usage error; a failed run is exit 3.
    const local = error.details.status === undefined;
    const code =
      error.code === 'RUN_FAILED'
        ? EXIT.runFailed
        : error.code === 'INVALID_ARGUMENT' && local
          ? EXIT.usage
          : EXIT.error;
    fail(code, error.message, error.hint, error);
  }
  fail(
    EXIT.error,
    error instanceof Error ? error.message : String(error),
    'Run again with --debug for details.',
    error,
  );
}
