/**
 * @module `tminus launch`: W&B's flags. With a queue it enqueues; without one it runs here.
 */
import { type Api, launch, launchAdd, LaunchError } from '@tminus/sdk';
import type { Command } from 'commander';

import { apiOf, collect } from '../context.js';
import { examples, printJson, say } from '../output.js';
import { parseJsonOrFile, parsePriority, parseSetVars, shellSplit } from '../parse.js';
import { RunFailedExit, UsageError } from '../usage-error.js';

interface LaunchFlags {
  uri?: string;
  job?: string;
  entryPoint?: string;
  gitVersion?: string;
  config?: string;
  queue?: string | true;
  entity?: string;
  project?: string;
  resource?: string;
  dockerImage?: string;
  resourceArgs?: string;
  priority?: string;
  setVar?: string[];
  name?: string;
  runId?: string;
  async?: boolean;
  build?: boolean;
  dockerfile?: string;
  baseImage?: string;
  buildContext?: string;
  jobName?: string;
  repository?: string;
  projectQueue?: string;
  json?: boolean;
}

export function registerLaunchCommand(program: Command): void {
  program
    .command('launch')
    .description(
      'Launch a job (W&B `wandb launch`, same flags). With -q it is pushed onto a queue and an agent runs it; the command prints the queued run’s id and returns. Without -q it runs right here: its output streams to this terminal, and the exit code is 0 if it finished, 3 if it failed.',
    )
    .option(
      '-u, --uri <uri>',
      'git repository URL or local path; becomes a job (entry point default main.py)',
    )
    .option('-j, --job <ref>', 'job reference <entity>/<project>/<name>:<alias-or-version>')
    .option('-E, --entry-point <command>', 'entry point, e.g. "python3 train.py --epochs 5"')
    .option('-g, --git-version <ref>', 'git commit, branch or tag')
    .option(
      '-c, --config <json-or-file>',
      'launch spec: a .json/.yaml file or inline JSON (run config under overrides.run_config)',
    )
    .option('-q, --queue [name]', 'queue to push to (bare -q = "default")')
    .option('-e, --entity <entity>', 'entity of the run')
    .option('-p, --project <project>', 'project of the run (needed with -q and -d, as in W&B)')
    .option('-r, --resource <resource>', 'resource to run on (a queue’s own resource wins)')
    .option('-d, --docker-image <image>', 'container image to run')
    .option('-R, --resource-args <json-or-file>', 'resource arguments')
    .option('-P, --priority <level>', 'critical | high | medium | low (needs -q)')
    .option('-v, --set-var <key=value>', 'queue template variable (repeatable)', collect)
    .option('--name <name>', 'run display name')
    .option('--run-id <id>', 'run id (default: 8 random characters)')
    .option(
      '-b, --build',
      'build an image of the job’s source before it runs (needs -q; the queue’s agent builds it with its launch-config builder/registry; not on local-process)',
    )
    .option('-D, --dockerfile <path>', 'Dockerfile for the build, relative to the job’s source')
    .option('-B, --base-image <image>', 'image to run the -u job’s code in (not with -d)')
    .option(
      '--build-context <path>',
      'build context inside the -u job’s source (default: its root)',
    )
    .option('-J, --job-name <name>', 'name of the job made from -u (default job-<repository>)')
    .option(
      '--repository <url>',
      'registry to push a built image to (recorded as registry.url); W&B’s two-letter -rg <url> works too',
    )
    .option(
      '--project-queue <project>',
      'project that holds the queue (W&B’s legacy project-scoped queues; default model-registry); W&B’s -pq <project> works too',
    )
    .option(
      '--async',
      'not supported: a direct launch runs in this process; use -q to hand the run to an agent',
    )
    .option(
      '--json',
      'print the queued item / run as JSON (a direct run’s output then goes to stderr; an error is printed as {"error": {code, message, hint}} too)',
    )
    .addHelpText(
      'after',
      examples(
        `tminus launch -j alice/demo/train:latest -q default -c '{"overrides":{"run_config":{"lr":0.1}}}'`,
        'tminus launch -j alice/demo/train:latest -P high -q gpu --set-var gpus=2',
        'tminus launch -u ./my-repo -E "python3 train.py"          # run here, stream the output',
        'tminus launch -j alice/demo/train:latest -q docker -b -D Dockerfile.gpu -rg registry.example.com/team/train',
      ),
    )
    .action(async (flags: LaunchFlags, command: Command) => {
      try {
        await launchCommand(flags, command);
      } catch (error) {
        // Scripts (the Python client's `launch()`) read what went wrong from stdout, as the API says it.
        if (flags.json && !(error instanceof RunFailedExit)) printJson(errorBodyOf(error));
        throw error;
      }
    });
}

async function launchCommand(flags: LaunchFlags, command: Command): Promise<void> {
  const queue = flags.queue === true ? 'default' : flags.queue;
  checkLaunchFlags(flags, queue);
  const options = launchOptions(flags);
  const api = apiOf(command);
  if (queue !== undefined) {
    const queued = await launchAdd({
      ...options,
      api,
      queueName: queue,
      ...(flags.build ? { build: true } : {}),
      ...(flags.projectQueue === undefined ? {} : { projectQueue: flags.projectQueue }),
      ...(flags.priority === undefined ? {} : { priority: parsePriority(flags.priority) }),
      ...(flags.setVar === undefined ? {} : { templateVariables: parseSetVars(flags.setVar) }),
    });
    for (const warning of queued.warnings) process.stderr.write(`warning: ${warning}\n`);
    const item = await queued.item();
    if (flags.json) printJson(item);
    else
      say(
        `Added run to queue ${flags.projectQueue ? `${flags.projectQueue}/` : ''}${queue}: ${queued.id} (job ${item.spec.job ?? '-'}, priority ${queued.priority})`,
      );
    return;
  }
  // Not `synchronous: true`: that would return only after the run ended, with no run id to
  // stream its output from meanwhile. We stream, then wait, then map the state to the exit code.
  const submitted = await launch(api, { ...options, synchronous: false });
  if (!flags.json) process.stderr.write(`Launching run ${submitted.id} on this machine\n`);
  // With --json, stdout holds only the run: its output goes to stderr.
  await streamLogs(api, submitted.id, flags.json ? 'stderr' : 'streams');
  const ok = await submitted.wait();
  const run = await api.request('getRun', { params: { id: submitted.id } });
  if (flags.json) printJson(run);
  else
    process.stderr.write(
      `Run ${run.id} ${run.state}${run.exitCode === null ? '' : ` (exit code ${run.exitCode})`}\n`,
    );
  if (!ok)
    throw new RunFailedExit(
      `Run ${run.id} ${run.state}: ${run.failure?.message ?? 'no failure recorded'}`,
    );
}

/** An error as the API's error body: `{ error: { code, message, hint? } }`. */
function errorBodyOf(error: unknown) {
  const body = (code: string, message: string, hint: string | undefined) => ({
    error: { code, message, ...(hint === undefined ? {} : { hint }) },
  });
  if (error instanceof LaunchError) return body(error.code, error.message, error.hint);
  if (error instanceof UsageError) return body('INVALID_ARGUMENT', error.message, error.hint);
  return body('INTERNAL', error instanceof Error ? error.message : String(error), undefined);
}

/** W&B's checks of `wandb launch`'s flags, in W&B's order and words, then tminus's. */
function checkLaunchFlags(flags: LaunchFlags, queue: string | undefined): void {
  if (flags.async && queue !== undefined)
    throw new UsageError(
      'Cannot use both --async and --queue with tminus launch: a queued launch is always asynchronous.',
    );
  if (queue !== undefined && flags.dockerImage !== undefined && flags.project === undefined)
    throw new UsageError(
      'Cannot use --queue and --docker together without a project. Please specify a project with --project or -p.',
    );
  if (flags.async) {
    throw new UsageError(
      '--async without --queue would end the run when this command exits',
      'A direct launch runs in this process; use -q/--queue to hand the run to an agent.',
    );
  }
  if (flags.priority !== undefined && queue === undefined)
    throw new UsageError('--priority flag requires --queue to be set');
  if (flags.build && queue === undefined)
    throw new UsageError(
      'Build flag requires a queue to be set',
      'The queue’s agent builds the image: add -q <queue> (one whose resource runs images).',
    );
  if (flags.setVar !== undefined && queue === undefined) {
    throw new UsageError(
      '--set-var flag requires --queue to be set',
      'Template variables fill in a queue’s resource config: add -q <queue>.',
    );
  }
  if (flags.uri !== undefined && flags.job !== undefined)
    throw new UsageError('Cannot provide both a uri and a job name.');
  for (const [given, flag] of [
    [flags.baseImage, '-B/--base-image'],
    [flags.buildContext, '--build-context'],
    [flags.jobName, '-J/--job-name'],
  ] as const)
    if (given !== undefined && flags.uri === undefined)
      throw new UsageError(
        `${flag} is compatible only with -u: it describes the job made from the uri`,
      );
  if (flags.baseImage !== undefined && flags.dockerImage !== undefined)
    throw new UsageError('-B/--base-image is incompatible with --docker-image.');
  const needsImages = [
    flags.build && '-b/--build',
    flags.baseImage !== undefined && '-B/--base-image',
    flags.dockerfile !== undefined && '-D/--dockerfile',
  ].filter(Boolean);
  if (queue === undefined && needsImages.length > 0)
    throw new UsageError(
      `${needsImages.join(', ')} need a container runner; a launch without -q runs here, on local-process`,
      'Launch with -q to a queue whose resource runs images (local-container, kubernetes).',
    );
}

/** The flags as `launchAdd`/`launch` options; W&B's build flags go where W&B's CLI puts them. */
function launchOptions(flags: LaunchFlags) {
  const config = flags.config === undefined ? {} : parseJsonOrFile(flags.config, 'config');
  // W&B: `--dockerfile` → config.overrides.dockerfile.
  if (flags.dockerfile !== undefined)
    config.overrides = {
      ...(config.overrides as object | undefined),
      dockerfile: flags.dockerfile,
    };
  // tminus makes the job of a `-u` on the server: what W&B's CLI passes to its job creation travels
  // in the spec (decision 0028).
  if (flags.jobName !== undefined) config.job_name = flags.jobName;
  if (flags.baseImage !== undefined) config.base_image = flags.baseImage;
  if (flags.buildContext !== undefined) config.build_context = flags.buildContext;
  return {
    ...(flags.uri === undefined ? {} : { uri: flags.uri }),
    ...(flags.job === undefined ? {} : { job: flags.job }),
    ...(flags.entryPoint === undefined ? {} : { entryPoint: shellSplit(flags.entryPoint) }),
    ...(flags.gitVersion === undefined ? {} : { version: flags.gitVersion }),
    ...(flags.config === undefined && Object.keys(config).length === 0 ? {} : { config }),
    ...(flags.entity === undefined ? {} : { entity: flags.entity }),
    ...(flags.project === undefined ? {} : { project: flags.project }),
    ...(flags.resource === undefined ? {} : { resource: flags.resource }),
    ...(flags.dockerImage === undefined ? {} : { dockerImage: flags.dockerImage }),
    ...(flags.resourceArgs === undefined
      ? {}
      : { resourceArgs: parseJsonOrFile(flags.resourceArgs, 'resource-args') }),
    ...(flags.name === undefined ? {} : { name: flags.name }),
    ...(flags.runId === undefined ? {} : { runId: flags.runId }),
    ...(flags.repository === undefined ? {} : { repository: flags.repository }),
  };
}

/**
 * Follows a run's log with long-polls until the run ends and every line is read, printing each line to
 * the stream it came from (`streams`) or to stderr.
 */
export async function streamLogs(api: Api, runId: string, to: 'streams' | 'stderr'): Promise<void> {
  let after = -1;
  for (;;) {
    const page = await api.request('getLogs', {
      params: { id: runId },
      query: { after, waitMs: 20_000 },
    });
    for (const line of page.lines)
      (to === 'stderr' || line.stream === 'stderr' ? process.stderr : process.stdout).write(
        `${line.text}\n`,
      );
    after = page.next;
    if (page.done) return;
  }
}
