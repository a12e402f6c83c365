/**
 * @module A run's command line, whatever runs it (pure): `overrides.entry_point` replaces the job's
 * entry point, `overrides.args` are appended, and `x.py` runs with python3.
 */
import type { LaunchSpec } from '@tminus/sdk/protocol';

/** Undefined when neither the job nor the launch names an entry point. */
export function buildArgv(
  spec: LaunchSpec,
  jobEntrypoint: readonly string[] | undefined,
): string[] | undefined {
  const base = spec.overrides?.entry_point?.length ? spec.overrides.entry_point : jobEntrypoint;
  if (base === undefined || base.length === 0) return undefined;
  const argv = base[0]!.endsWith('.py') ? ['python3', ...base] : [...base];
  return [...argv, ...(spec.overrides?.args ?? [])];
}

const INTERPRETER = /^(python[\d.]*|bash|sh|zsh|node|Rscript|julia|perl|ruby)$/;

/**
 * The script file an argv runs, if it names one relative to the source tree: the first argument of
 * an interpreter (`python3 train.py`), or a program given as a relative path (`./run.sh`). A bare
 * command (`torchrun`, `python -m pkg`) names no file to check; it is found on PATH or fails at spawn.
 */
export function scriptOf(argv: readonly string[]): string | undefined {
  const [program = '', first] = argv;
  const candidate = INTERPRETER.test(program.split('/').pop() ?? '')
    ? first
    : program.includes('/')
      ? program
      : undefined;
  if (candidate === undefined || candidate.startsWith('-') || candidate.startsWith('/'))
    return undefined;
  return candidate;
}
