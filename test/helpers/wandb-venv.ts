/**
 * A Python with the real `wandb` package, for tests that hold tminus to W&B's own code: made once per
 * machine with the workspace's `../shared/tools/make-wandb-venv.sh` (wandb from the machine's local
 * package index) in the OS temp dir, or the one `TMINUS_TEST_WANDB_PYTHON` names. Undefined, with
 * the reason, when there is none to be had: the tests that need it skip and say why.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../../shared/tools/make-wandb-venv.sh', import.meta.url));
const VENV = join(tmpdir(), 'tminus-test-wandb-venv');

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { timeout: timeoutMs }, (error, stdout, stderr) =>
      error ? reject(new Error(`${stderr}${stdout}`.trim() || error.message)) : resolve(stdout),
    ),
  );
}

/** Whether `python` imports wandb; its version if so. */
async function wandbVersion(python: string): Promise<string | undefined> {
  if (!existsSync(python)) return undefined;
  return run(python, ['-c', 'import wandb; print(wandb.__version__)'], 60_000)
    .then((out) => out.trim())
    .catch(() => undefined);
}

export async function wandbPython(): Promise<
  { python: string; version: string } | { python: undefined; why: string }
> {
  const python = process.env.TMINUS_TEST_WANDB_PYTHON || join(VENV, 'bin', 'python');
  let version = await wandbVersion(python);
  if (version === undefined && !process.env.TMINUS_TEST_WANDB_PYTHON) {
    if (!existsSync(SCRIPT)) return { python: undefined, why: `${SCRIPT} is not there` };
    try {
      await run('bash', [SCRIPT, VENV], 600_000);
    } catch (error) {
      return { python: undefined, why: `make-wandb-venv.sh failed: ${(error as Error).message}` };
    }
    version = await wandbVersion(python);
  }
  return version === undefined
    ? { python: undefined, why: `${python} cannot import wandb` }
    : { python, version };
}
