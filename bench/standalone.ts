/** The standalone entry of a bench module (`node bench/dist/<module>.js [--quick]`): run it in a scratch dir, print its result as JSON. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Whether the module at `moduleUrl` (its `import.meta.url`) is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  return Boolean(process.argv[1] && moduleUrl === pathToFileURL(process.argv[1]).href);
}

/** Runs `measure` (`--quick` if argv says so) in a fresh scratch dir `<tmpdir>/<prefix>…`, prints the result, removes the dir. */
export async function printStandalone(
  prefix: string,
  measure: (options: { quick: boolean; scratch: string }) => Promise<unknown>,
): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), prefix));
  try {
    const result = await measure({ quick: process.argv.includes('--quick'), scratch });
    console.log(JSON.stringify(result, null, 2));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
