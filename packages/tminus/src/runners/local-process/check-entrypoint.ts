import { statSync } from 'node:fs';
import { resolve } from 'node:path';

import { scriptOf } from '../entrypoint.js';
import { PrepareError } from '../prepare-error.js';

/**
 * A script the entry point names relative to the source must exist there: checked before spawning
 * (one stat, synchronously), so a typo fails with the file's name instead of the interpreter's error.
 */
export function checkEntrypoint(argv: readonly string[], dir: string, where: string): void {
  const script = scriptOf(argv);
  if (script === undefined) return;
  try {
    statSync(resolve(dir, script));
  } catch {
    throw new PrepareError(
      `Entrypoint "${script}" not found in the job's source (${where}); set -E/--entry-point or fix the job`,
      'entrypoint_missing',
    );
  }
}
