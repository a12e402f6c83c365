/**
 * @module What a launch may ask of Slurm (`resource_args.slurm`), pure: each key is the long name of
 * the `sbatch` option it becomes (`cpus-per-task: 4` → `--cpus-per-task=4`), and each value is
 * checked here — at enqueue by the server, and again by the agent before it reaches sbatch's command
 * line. A job array is refused (one run is one Slurm job), and so are the options tminus sets itself.
 */
import type { JsonObject } from '@tminus/sdk/protocol';

/** Why a value cannot be passed, after "resource_args["slurm"].<key> "; undefined when it can. */
type ValueCheck = (value: unknown) => string | undefined;

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function wholeNumber(value: unknown, min: number): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= min ? n : undefined;
}

const count =
  (min: number, what: string): ValueCheck =>
  (value) =>
    wholeNumber(value, min) === undefined
      ? `must be ${what} (a whole number of at least ${min}); got ${JSON.stringify(value)}`
      : undefined;

const pattern =
  (regex: RegExp, what: string, numbersToo = false): ValueCheck =>
  (value) =>
    (typeof value === 'string' || (numbersToo && typeof value === 'number')) &&
    regex.test(String(value))
      ? undefined
      : `must be ${what}; got ${JSON.stringify(value)}`;

/** The options a launch may set, with what each accepts. */
const OPTIONS = {
  partition: pattern(
    /^[A-Za-z0-9_.-]{1,64}(,[A-Za-z0-9_.-]{1,64}){0,15}$/,
    'a partition name, or several separated by commas (e.g. "gpu" or "gpu,gpu-long")',
  ),
  time: pattern(
    /^(\d{1,5}|\d{1,5}:\d{1,2}|\d{1,5}:\d{1,2}:\d{1,2}|\d{1,4}-\d{1,2}(:\d{1,2}){0,2})$/,
    'a time limit as sbatch reads it: minutes (90), "minutes:seconds", "hours:minutes:seconds", or "days-hours[:minutes[:seconds]]" (e.g. "2-00:00:00")',
    true,
  ),
  nodes: pattern(
    /^[1-9]\d{0,5}(-[1-9]\d{0,5})?$/,
    'a number of nodes (2), or a range "min-max" (e.g. "2-4")',
    true,
  ),
  ntasks: count(1, 'a number of tasks'),
  'cpus-per-task': count(1, 'a number of CPUs per task'),
  mem: pattern(
    /^\d{1,9}[KMGT]?$/i,
    'memory per node: megabytes (4096), or a number with a unit K, M, G or T (e.g. "16G"); 0 asks for all of a node\'s memory',
    true,
  ),
  gres: pattern(
    /^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+){0,2}(,[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+){0,2}){0,15}$/,
    'generic resources as sbatch reads them, e.g. "gpu:2" or "gpu:a100:2"',
  ),
  gpus: pattern(
    /^([A-Za-z0-9_.-]{1,64}:)?[1-9]\d{0,4}$/,
    'a number of GPUs (2), or "type:count" (e.g. "a100:2")',
    true,
  ),
  account: pattern(NAME, 'an account name (letters, digits, ".", "_" and "-")'),
  qos: pattern(NAME, 'a quality of service name (letters, digits, ".", "_" and "-")'),
  exclusive: (value) =>
    typeof value === 'boolean'
      ? undefined
      : `must be true (the job's nodes are not shared with other jobs) or false; got ${JSON.stringify(value)}`,
} satisfies Record<string, ValueCheck>;

export type SlurmOption = keyof typeof OPTIONS;
export const SLURM_OPTIONS = Object.keys(OPTIONS) as SlurmOption[];

/** Keys that would make a run something else than one job tminus follows: said plainly. */
const REFUSED: Readonly<Record<string, string>> = {
  array:
    'job arrays are not supported: one run is one Slurm job. Launch one run per task instead (or a sweep, which launches them for you)',
  wrap: 'tminus submits the run’s own command line; set the job’s entry point (-E/--entry-point) instead',
};
/** Options tminus sets for every job (its name, output files, working directory, environment). */
const SET_BY_TMINUS = [
  'job-name',
  'comment',
  'output',
  'error',
  'input',
  'chdir',
  'export',
  'export-file',
  'parsable',
  'requeue',
  'no-requeue',
  'uid',
  'gid',
  'container',
];

/** Why `args` cannot go to sbatch, naming the key; undefined when every key is accepted. */
export function slurmArgsProblem(args: JsonObject): string | undefined {
  for (const [key, value] of Object.entries(args)) {
    const at = `resource_args["slurm"].${key}`;
    const refused = REFUSED[key];
    if (refused !== undefined) return `${at} is refused: ${refused}`;
    if (SET_BY_TMINUS.includes(key))
      return `${at} is refused: tminus sets --${key} itself for every job it submits`;
    const check = (OPTIONS as Record<string, ValueCheck>)[key];
    if (check === undefined)
      return `${at} is not an option tminus passes to sbatch; it accepts ${SLURM_OPTIONS.join(', ')}`;
    const problem = check(value);
    if (problem !== undefined) return `${at} ${problem}`;
  }
  return undefined;
}

/**
 * sbatch's options for accepted `args` (check them with `slurmArgsProblem` first), in the order of
 * `SLURM_OPTIONS`: `--key=value`, and `--exclusive` alone for `exclusive: true`.
 */
export function slurmOptions(args: JsonObject): string[] {
  const options: string[] = [];
  for (const key of SLURM_OPTIONS) {
    const value = args[key];
    if (value === true) options.push(`--${key}`);
    else if (typeof value === 'string' || typeof value === 'number')
      options.push(`--${key}=${value}`);
  }
  return options;
}
