import { join } from 'node:path';

import type { Command } from 'commander';

import { readCliConfig } from '@tminus/sdk';

import { startAgent } from '../../agent/create-agent.js';
import { FailoverApi, splitBaseUrls } from '../../agent/failover-api.js';
import { resolveAgentConfig, unusedConfigNotice } from '../../agent/launch-config.js';
import { apiOf, collect } from '../context.js';
import { examples, printJson, printTable } from '../output.js';
import { parseAmount, parseInteger } from '../parse.js';
import {
  addRunIsolationOptions,
  type RunIsolationFlags,
  runIsolationFlags,
  workDirOf,
} from '../run-isolation-flags.js';
import { containerRunners } from '../container-options.js';
import {
  addKubernetesOptions,
  type KubernetesFlags,
  kubernetesFlags,
  kubernetesRunners,
} from '../kubernetes-options.js';
import { addSlurmOptions, type SlurmFlags, slurmFlags, slurmRunners } from '../slurm-options.js';
import { UsageError } from '../usage-error.js';
import { defaultDataDir } from '../../lib/defaults.js';
import { runnerSet } from '../../runners/runner-set.js';

interface AgentFlags extends RunIsolationFlags, SlurmFlags, KubernetesFlags {
  queue?: string[];
  maxJobs?: string;
  entity?: string;
  config?: string;
  stopGraceSeconds?: string;
  runDirMaxAgeHours?: string;
  runDirMaxGib?: string;
  verbose?: number;
}

export function registerAgentCommands(program: Command): void {
  for (const name of ['agent', 'launch-agent']) {
    const command = program
      .command(name, { hidden: name === 'launch-agent' })
      .description(
        'Run a launch agent (W&B `wandb launch-agent`): it long-polls its queues, runs what arrives on this machine (at most --max-jobs at once), reports state and output back to the server, and stops its runs on SIGINT/SIGTERM. A run sees the agent’s environment without tminus’s credentials and, unless --run-as names another user, everything the agent’s user can read. `tminus agent list` lists the agents instead.',
      )
      .argument(
        '[action]',
        '"list": show agents (status, host, queues, running, last heartbeat) instead of running one',
      )
      .option('--json', 'with list: JSON output')
      .option('-q, --queue <queue>', 'queue to poll (repeatable)', collect)
      .option('-j, --max-jobs <n>', 'runs at once (-1 = unlimited; default 1)')
      .option('-e, --entity <entity>', 'entity that owns the queues')
      .option(
        '-c, --config <file>',
        "launch-config.yaml: W&B's keys (entity, queues, max_jobs, verbosity, stopped_run_timeout; builder, registry, environment, secure_mode and max_schedulers are kept but not used yet) and tminus's (run_as, work_dir, secret_env, allow_local_repos, slurm: {shared_dir}, kubernetes: {kubeconfig, context, namespace, code_pvc: {claim, mount_path}}). Default: ~/.config/wandb/launch-config.yaml as W&B's agent reads it, then ~/.config/tminus/launch-config.yaml over it, each if it exists",
      )
      .option(
        '--stop-grace-seconds <n>',
        'SIGTERM → SIGKILL grace when a run is cancelled (default 60)',
      )
      .option(
        '--run-dir-max-age-hours <h>',
        'keep an ended run’s directory (its source as the program left it: ./wandb, outputs; path in `tminus run show`) this many hours (default 168, a week; 0: remove it when the run ends; launch-config: run_dir_max_age_hours)',
      )
      .option(
        '--run-dir-max-gib <n>',
        'let ended runs’ directories take this many GiB together, removing the oldest first (default 20; launch-config: run_dir_max_gib)',
      )
      .option('-v, --verbose', 'more output (repeatable)', (_v: string, n: number) => n + 1, 0);
    addRunIsolationOptions(command);
    addKubernetesOptions(command);
    addSlurmOptions(command)
      .addHelpText(
        'after',
        examples(
          'tminus agent -q default -q gpu --max-jobs 4',
          'sudo tminus agent -q gpu --run-as tminus-run    # runs cannot read the agent’s files',
          'tminus agent -q default --allow-local-repo ~/code --secret-env HF_TOKEN --no-wandb-credentials',
          'tminus agent -c launch-config.yaml -v',
          'tminus agent -q gpu --run-dir-max-age-hours 24 --run-dir-max-gib 100',
          'tminus agent -q hpc --slurm --slurm-shared-dir /shared/tminus   # runs of "slurm" queues become batch jobs',
          'tminus agent -q k8s --kubernetes --kubernetes-namespace ml   # runs of "kubernetes" queues become Jobs',
          'tminus agent list --json',
        ),
      )
      .action(
        async (
          action: string | undefined,
          flags: AgentFlags & { json?: boolean },
          command: Command,
        ) => {
          if (action === 'list') return listAgents(command, flags.entity, flags.json);
          if (action !== undefined)
            throw new UsageError(
              `Unknown agent action "${action}"; did you mean \`tminus agent list\`?`,
            );
          const config = resolveAgentConfig({
            ...(flags.config === undefined ? {} : { file: flags.config }),
            env: process.env,
            flags: {
              ...(flags.entity === undefined ? {} : { entity: flags.entity }),
              ...(flags.queue === undefined ? {} : { queues: flags.queue }),
              ...(flags.maxJobs === undefined
                ? {}
                : { maxJobs: parseInteger(flags.maxJobs, '--max-jobs', -1) }),
              ...(flags.stopGraceSeconds === undefined
                ? {}
                : {
                    stopGraceSeconds: parseInteger(
                      flags.stopGraceSeconds,
                      '--stop-grace-seconds',
                      0,
                    ),
                  }),
              ...(flags.verbose ? { verbosity: flags.verbose } : {}),
              ...(flags.runDirMaxAgeHours === undefined
                ? {}
                : {
                    runDirMaxAgeHours: parseAmount(
                      flags.runDirMaxAgeHours,
                      '--run-dir-max-age-hours',
                    ),
                  }),
              ...(flags.runDirMaxGib === undefined
                ? {}
                : { runDirMaxGiB: parseAmount(flags.runDirMaxGib, '--run-dir-max-gib') }),
              ...runIsolationFlags(flags),
              ...slurmFlags(flags),
              ...kubernetesFlags(flags),
            },
          });
          const log = (line: string) => process.stderr.write(`${line}\n`);
          if (config.files.length > 0) log(`launch-config: ${config.files.join(', ')}`);
          const notice = unusedConfigNotice(config);
          if (notice !== undefined) log(notice);
          if (config.queues.length === 0) {
            throw new UsageError(
              'To launch an agent please specify a queue or a list of queues in the configuration file or cli.',
              'Pass -q default, or queues: [default] in the config file.',
            );
          }
          const home = defaultDataDir();
          // Several replicas (comma-separated --base-url / TMINUS_BASE_URL): fail over between them.
          const urls = splitBaseUrls(
            command.optsWithGlobals<{ baseUrl?: string }>().baseUrl ?? process.env.TMINUS_BASE_URL,
          );
          const single = apiOf(command);
          const api =
            urls.length > 1
              ? new FailoverApi(
                  urls,
                  command.optsWithGlobals<{ apiKey?: string }>().apiKey ??
                    (process.env.TMINUS_API_KEY || readCliConfig().apiKey),
                )
              : single;
          const workDir = workDirOf(config, home);
          const runners = runnerSet([
            ...containerRunners(config, log),
            ...(await slurmRunners(config, workDir, log)),
            ...(await kubernetesRunners(config, workDir, log)),
          ]);
          const agent = await startAgent({
            api,
            queues: config.queues,
            maxJobs: config.maxJobs,
            stopGraceMs: config.stopGraceSeconds * 1000,
            cacheDir: join(home, 'agent-cache'),
            workDir,
            runners,
            verbosity: config.verbosity,
            secretEnv: config.secretEnv,
            wandbCredentials: config.wandbCredentials,
            allowLocalRepos: config.allowLocalRepos,
            ...(config.runAs === undefined ? {} : { runAs: config.runAs }),
            ...(config.entity === undefined ? {} : { entity: config.entity }),
            runDirPolicy: {
              maxAgeMs: config.runDirMaxAgeHours * 3_600_000,
              maxBytes: config.runDirMaxGiB * 1024 ** 3,
            },
            log,
          });
          const stop = () => void agent.stop().then(() => process.exit(0));
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
          await agent.done;
        },
      );
  }
}

async function listAgents(
  command: Command,
  entity: string | undefined,
  json: boolean | undefined,
): Promise<void> {
  const { items } = await apiOf(command).request('listAgents', { query: { entity } });
  if (json) return printJson(items);
  printTable(
    ['AGENT', 'STATUS', 'HOST', 'QUEUES', 'RUNNING', 'MAX JOBS', 'LAST HEARTBEAT'],
    items.map((a) => [
      a.id,
      a.status,
      a.hostname,
      a.queues.join(','),
      a.running,
      a.maxJobs === -1 ? 'unlimited' : a.maxJobs,
      a.lastHeartbeatAt,
    ]),
  );
}
