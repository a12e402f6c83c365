import { type Api, readMetrics, waitForRunEnd } from '@tminus/sdk';
import { type Run, RUN_STATES } from '@tminus/sdk/protocol';
import type { Command } from 'commander';

import { apiOf } from '../context.js';
import { examples, printJson, printTable, say } from '../output.js';
import { parseInteger } from '../parse.js';
import { RunFailedExit, UsageError } from '../usage-error.js';
import { streamLogs } from './launch.js';

export function registerRunCommands(program: Command): void {
  const run = program
    .command('run')
    .description(
      'List, inspect, follow, wait for and cancel runs, whether they came through a queue or were launched directly.',
    )
    .addHelpText(
      'after',
      examples(
        'tminus run list --state failed',
        'tminus run logs -f <run-id>',
        'tminus run metrics <run-id>',
        'tminus run wait <run-id> --timeout 600',
      ),
    );

  run
    .command('list')
    .description(
      'List runs, newest first, with state, exit code, project, queue and job; filter by entity, project, queue, state or job.',
    )
    .addHelpText(
      'after',
      examples(
        'tminus run list -p demo --state running',
        'tminus run list --job train            # every version of job "train", any project',
        "tminus run list --job vision/train:v3  # one version of one project's job",
        'tminus run list --limit 5 --json',
      ),
    )
    .option('-e, --entity <entity>', 'entity')
    .option('-p, --project <project>', 'project')
    .option('-q, --queue <queue>', 'queue')
    .option('--state <state>', `one of ${RUN_STATES.join(', ')}`)
    .option('-j, --job <job>', 'job: name, project/name or entity/project/name, optionally :vN')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'JSON output')
    .action(
      async (
        flags: {
          entity?: string;
          project?: string;
          queue?: string;
          state?: string;
          job?: string;
          limit: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        if (flags.state !== undefined && !(RUN_STATES as readonly string[]).includes(flags.state)) {
          throw new UsageError(`--state must be one of ${RUN_STATES.join(', ')}`);
        }
        const page = await apiOf(command).request('listRuns', {
          query: {
            entity: flags.entity,
            project: flags.project,
            queue: flags.queue,
            state: flags.state as Run['state'] | undefined,
            job: flags.job,
            limit: parseInteger(flags.limit, '--limit', 1),
          },
        });
        if (flags.json) return printJson(page);
        printTable(
          ['RUN', 'STATE', 'EXIT', 'PROJECT', 'QUEUE', 'JOB', 'CREATED'],
          page.items.map((r) => [
            r.id,
            r.state,
            r.exitCode,
            r.project,
            r.queue,
            r.job,
            r.createdAt,
          ]),
        );
      },
    );

  run
    .command('show')
    .description(
      'Show a run: state, exit code, where it failed and why, job, config, its directory on the agent’s machine (kept after the run until the agent’s retention removes it) and times. For a failed run, also its last 20 log lines.',
    )
    .addHelpText('after', examples('tminus run show <run-id>', 'tminus run show <run-id> --json'))
    .argument('<id>', 'run id')
    .option('--json', 'JSON output')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      const api = apiOf(command);
      const r = await api.request('getRun', { params: { id } });
      if (flags.json) return printJson(r);
      say(`run ${r.id}  ${r.state}${r.exitCode === null ? '' : ` (exit code ${r.exitCode})`}`);
      say(
        `  ${r.entity}/${r.project}  job ${r.job ?? '-'}  queue ${r.queue ?? '(direct)'}  attempt ${r.attempt}`,
      );
      if (r.sourceCommit) say(`  commit   ${r.sourceCommit}`);
      if (r.runDir)
        say(
          `  dir      ${r.runDir}${r.agentId === null ? '' : ` (on agent ${r.agentId}'s machine)`}; the program ran in its src/`,
        );
      if (r.waiting) say(`  waiting  ${r.waiting.message} (${r.waiting.reason})`);
      say(`  config   ${JSON.stringify(r.config)}`);
      if (Object.keys(r.summary).length > 0) say(`  summary  ${JSON.stringify(r.summary)}`);
      say(
        `  created  ${r.createdAt}  started ${r.startedAt ?? '-'}  finished ${r.finishedAt ?? '-'}`,
      );
      if (r.failure) {
        say(`  failed at stage ${r.failure.stage}: ${r.failure.message}`);
        const tail = await lastLogLines(api, id, 20);
        if (tail.length)
          say(`  last ${tail.length} log lines:\n${tail.map((l) => `    ${l}`).join('\n')}`);
      }
    });

  run
    .command('history')
    .description(
      'Every state a run has been in, with when it got there: created, starting (and each new attempt after a preemption or a lost agent), running, stopping, and how it ended.',
    )
    .addHelpText(
      'after',
      examples('tminus run history <run-id>', 'tminus run history <run-id> --json'),
    )
    .argument('<id>', 'run id')
    .option('--json', 'JSON output')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      const { items } = await apiOf(command).request('getRunHistory', { params: { id } });
      if (flags.json) return printJson(items);
      printTable(
        ['AT', 'STATE', 'FROM', 'ATTEMPT'],
        items.map((t) => [t.at, t.to, t.from ?? '(created)', t.attempt]),
      );
    });

  run
    .command('explain')
    .description(
      'Why is a queued run not running yet? While it is pending: its position in the queue, how many live agents poll that queue and how many of them are at capacity. Once an agent has handed it to an engine that holds it back (a Slurm job pending for Resources, Priority, ReqNodeNotAvail, …): the engine’s reason, in words.',
    )
    .addHelpText('after', examples('tminus run explain <queued-run-id>'))
    .argument('<queued-run-id>', 'queue item id (printed by `tminus launch -q`)')
    .option('--json', 'JSON output')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      const e = await apiOf(command).request('explainQueueItem', { params: { id } });
      if (flags.json) return printJson(e);
      say(e.message);
    });

  run
    .command('logs')
    .description(
      'Print a run’s output (stdout and stderr, in order). With -f, keep following it until the run ends.',
    )
    .addHelpText(
      'after',
      examples(
        'tminus run logs <run-id>',
        'tminus run logs -f <run-id>',
        'tminus run logs <run-id> --json',
      ),
    )
    .argument('<id>', 'run id')
    .option('-f, --follow', 'keep following until the run ends')
    .option('--json', 'JSON lines output')
    .action(async (id: string, flags: { follow?: boolean; json?: boolean }, command: Command) => {
      const api = apiOf(command);
      if (flags.follow && !flags.json) return streamLogs(api, id, 'streams');
      let after = -1;
      const lines = [];
      for (;;) {
        const page = await api.request('getLogs', {
          params: { id },
          query: { after, waitMs: flags.follow ? 20_000 : 0 },
        });
        if (flags.json) lines.push(...page.lines);
        else
          for (const l of page.lines)
            (l.stream === 'stderr' ? process.stderr : process.stdout).write(`${l.text}\n`);
        after = page.next;
        if (page.done || (!flags.follow && page.lines.length === 0)) break;
      }
      if (flags.json) printJson(lines);
    });

  run
    .command('metrics')
    .description(
      'Print the metrics a run’s program logged (`tminus.log({"loss": 0.1}, step=3)` in Python), one row per point in the order logged, one column per key. Says so when the run reached the server’s metrics limit.',
    )
    .addHelpText(
      'after',
      examples(
        'tminus run metrics <run-id>',
        'tminus run metrics <run-id> --keys loss,val/acc',
        'tminus run metrics <run-id> --json',
      ),
    )
    .argument('<id>', 'run id')
    .option('--keys <keys>', 'only these keys, comma-separated')
    .option('--json', 'JSON output: { points: [{ seq, step, ts, values }], truncated, limit }')
    .action(async (id: string, flags: { keys?: string; json?: boolean }, command: Command) => {
      const read = await readMetrics(apiOf(command), id);
      const wanted = flags.keys
        ?.split(',')
        .map((k) => k.trim())
        .filter(Boolean);
      const points =
        wanted === undefined
          ? read.points
          : read.points
              .map((p) => ({
                ...p,
                values: Object.fromEntries(
                  wanted.filter((k) => k in p.values).map((k) => [k, p.values[k]]),
                ),
              }))
              .filter((p) => Object.keys(p.values).length > 0);
      if (flags.json) return printJson({ ...read, points });
      if (points.length === 0)
        say(`Run ${id} has no metrics${wanted ? ` for ${wanted.join(', ')}` : ''} yet.`);
      else {
        const keys = wanted ?? [...new Set(points.flatMap((p) => Object.keys(p.values)))];
        printTable(
          ['STEP', ...keys],
          points.map((p) => [p.step, ...keys.map((k) => p.values[k])]),
        );
      }
      if (read.truncated)
        process.stderr.write(
          `note: run ${id} reached the server's limit of ${read.limit.toLocaleString('en')} metric values; points logged after it were dropped (tminus server --max-metrics-per-run N)\n`,
        );
    });

  run
    .command('wait')
    .description(
      'Wait until a run ends; exit 0 if it finished, 3 if it failed, crashed, was stopped or preempted, 1 on timeout.',
    )
    .addHelpText('after', examples('tminus run wait <run-id> --timeout 600 && echo trained'))
    .argument('<id>', 'run id')
    .option('--timeout <seconds>', 'give up after this long')
    .option('--json', 'print the run as JSON')
    .action(async (id: string, flags: { timeout?: string; json?: boolean }, command: Command) => {
      const r = await waitForRunEnd(
        apiOf(command),
        id,
        flags.timeout === undefined
          ? {}
          : { timeoutMs: parseInteger(flags.timeout, '--timeout', 1) * 1000 },
      );
      if (flags.json) printJson(r);
      else say(`run ${r.id} ${r.state}${r.exitCode === null ? '' : ` (exit code ${r.exitCode})`}`);
      if (r.state !== 'finished')
        throw new RunFailedExit(
          `Run ${r.id} ${r.state}${r.failure ? `: ${r.failure.message}` : ''}`,
        );
    });

  run
    .command('cancel')
    .description(
      'Stop a run: SIGTERM, then SIGKILL after the agent’s grace period. Cancelling a run that has ended changes nothing.',
    )
    .addHelpText('after', examples('tminus run cancel <run-id>'))
    .argument('<id>', 'run id')
    .option('--json', 'print the run as JSON')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      const r = await apiOf(command).request('cancelRun', { params: { id } });
      if (flags.json) printJson(r);
      else say(`run ${r.id} ${r.state}`);
    });
}

/** The last `count` log lines of a run, reading every page (a run may have more than one). */
async function lastLogLines(api: Api, id: string, count: number): Promise<string[]> {
  let after = -1;
  let tail: string[] = [];
  for (;;) {
    const page = await api.request('getLogs', { params: { id }, query: { after, limit: 10_000 } });
    tail = [...tail, ...page.lines.map((l) => l.text)].slice(-count);
    if (page.lines.length === 0 || page.done || page.next === after) return tail;
    after = page.next;
  }
}
