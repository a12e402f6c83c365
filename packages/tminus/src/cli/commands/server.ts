/**
 * @module `tminus server` and `tminus up` (server + one local agent in one process, still over HTTP).
 */
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

import { Api, cliConfigPath, readCliConfig } from '@tminus/sdk';
import type { Command } from 'commander';

import { startAgent } from '../../agent/create-agent.js';
import { DEFAULT_LEASE_SECONDS, startServer } from '../../server/start-server.js';
import { writeCliConfig } from '../config-file.js';
import { examples, say } from '../output.js';
import { parseInteger } from '../parse.js';
import {
  addRunIsolationOptions,
  type RunIsolationFlags,
  runIsolationFlags,
  workDirOf,
} from '../run-isolation-flags.js';

interface ServerFlags extends RunIsolationFlags {
  host: string;
  port: string;
  dataDir?: string;
  database?: string;
  leaseSeconds?: string;
  startTimeoutSeconds?: string;
  entity?: string;
  maxJobs?: string;
}

function addServerOptions(command: Command): Command {
  return command
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--port <port>',
      'port to listen on (0 = any free port)',
      process.env.TMINUS_PORT ?? '7447',
    )
    .option('--data-dir <dir>', 'where the SQLite database and blobs live (env TMINUS_DATA_DIR)')
    .option(
      '--database <url>',
      'postgres://… to store in PostgreSQL instead of SQLite (env TMINUS_DATABASE_URL)',
      process.env.TMINUS_DATABASE_URL,
    )
    .option(
      '--lease-seconds <n>',
      `agent lease length (env TMINUS_LEASE_SECONDS)`,
      process.env.TMINUS_LEASE_SECONDS,
    )
    .option(
      '--start-timeout-seconds <n>',
      'fail runs still starting after this long (env WANDB_LAUNCH_START_TIMEOUT)',
      process.env.WANDB_LAUNCH_START_TIMEOUT ?? '1800',
    )
    .option(
      '-e, --entity <entity>',
      'entity of the first admin key (env TMINUS_ENTITY; default: your user name)',
    );
}

async function boot(flags: ServerFlags) {
  const dataDir = flags.dataDir ?? (process.env.TMINUS_DATA_DIR || join(homedir(), '.tminus'));
  const entity = flags.entity ?? (process.env.TMINUS_ENTITY || userInfo().username);
  const server = await startServer({
    host: flags.host,
    port: parseInteger(flags.port, '--port', 0),
    dataDir,
    ...(flags.database ? { database: flags.database } : {}),
    defaultEntity: entity.replace(/[^A-Za-z0-9_.-]/g, '_'),
    leaseSeconds:
      flags.leaseSeconds === undefined
        ? DEFAULT_LEASE_SECONDS
        : parseInteger(flags.leaseSeconds, '--lease-seconds', 1),
    startTimeoutSeconds: parseInteger(
      flags.startTimeoutSeconds ?? '1800',
      '--start-timeout-seconds',
      1,
    ),
    ...(process.env.TMINUS_BOOTSTRAP_API_KEY
      ? { bootstrapApiKey: process.env.TMINUS_BOOTSTRAP_API_KEY }
      : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  return { server, dataDir };
}

function onSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) process.exit(130);
    stopping = true;
    void stop().then(() => process.exit(0));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

export function registerServerCommands(program: Command): void {
  addServerOptions(program.command('server'))
    .description(
      'Run the tminus server: the REST API under /api/v1, storing in SQLite under --data-dir (or PostgreSQL with --database). On its first start it creates an admin API key and prints it once. Stops gracefully on SIGINT/SIGTERM.',
    )
    .addHelpText(
      'after',
      examples(
        'tminus server --port 7447 --data-dir ~/.tminus',
        'TMINUS_BOOTSTRAP_API_KEY=$(openssl rand -hex 24) tminus server --host 0.0.0.0',
      ),
    )
    .action(async (flags: ServerFlags) => {
      const { server, dataDir } = await boot(flags);
      say(`tminus server listening on ${server.url} (data dir ${dataDir})`);
      if (server.bootstrap)
        say(
          `created admin API key for entity "${server.bootstrap.entity}" (shown once): ${server.bootstrap.apiKey}`,
        );
      onSignal(() => server.close());
    });

  addRunIsolationOptions(addServerOptions(program.command('up')))
    .description(
      'Start the server and a local agent on the `default` queue in one process, and write the CLI config (base URL, API key, entity; mode 0600) so that the CLI and the SDK on this machine need no other set-up. The local agent may clone local git repositories under your home directory (add others with --allow-local-repo).',
    )
    .option('--max-jobs <n>', 'runs the local agent executes at once (-1 = unlimited)', '2')
    .addHelpText(
      'after',
      examples(
        'tminus up                   # what `npm start` runs',
        'tminus up --max-jobs 4 --port 8080',
        'sudo tminus up --run-as tminus-run    # runs cannot read the API key or the database',
      ),
    )
    .action(async (flags: ServerFlags) => {
      const { server, dataDir } = await boot(flags);
      const configPath = cliConfigPath();
      const existing = readCliConfig(configPath);
      // A key in the config that works against this server is kept; else the key this start
      // created; else a new one.
      let apiKey: string | undefined;
      let entity: string | undefined;
      if (existing.apiKey) {
        const who = await new Api({ baseUrl: server.url, apiKey: existing.apiKey })
          .request('whoami', {})
          .catch(() => undefined);
        if (who) [apiKey, entity] = [existing.apiKey, who.entity];
      }
      if (apiKey === undefined && server.bootstrap)
        [apiKey, entity] = [server.bootstrap.apiKey, server.bootstrap.entity];
      if (apiKey === undefined || entity === undefined) {
        entity = (flags.entity ?? (process.env.TMINUS_ENTITY || userInfo().username)).replace(
          /[^A-Za-z0-9_.-]/g,
          '_',
        );
        apiKey = await server.issueApiKey(entity, 'cli');
      }
      writeCliConfig({ baseUrl: server.url, apiKey, entity }, configPath);
      const api = new Api({ baseUrl: server.url, apiKey });
      const agent = await startAgent({
        api,
        queues: ['default'],
        maxJobs: parseInteger(flags.maxJobs ?? '2', '--max-jobs', -1),
        stopGraceMs: 60_000,
        cacheDir: join(dataDir, 'agent-cache'),
        workDir: workDirOf(flags, dataDir),
        ...runIsolationFlags(flags),
        // Your own repositories, wherever under your home they are; more with --allow-local-repo.
        allowLocalRepos: [homedir(), ...(flags.allowLocalRepo ?? [])],
        log: (line) => process.stderr.write(`[agent] ${line}\n`),
      });
      say(`tminus is up at ${server.url}`);
      say(`  data dir:   ${dataDir}`);
      say(`  CLI config: ${configPath} (entity "${entity}")`);
      say(`  local agent ${agent.id} on queue "default"`);
      say('');
      say('Launch the bundled example:');
      say(
        `  tminus job create code examples/linear-regression -p demo -n linear-regression -E "python3 train.py"`,
      );
      say(
        `  tminus launch -j ${entity}/demo/linear-regression:latest -q default -c '{"overrides":{"run_config":{"lr":0.05}}}'`,
      );
      say(`  tminus run list`);
      onSignal(async () => {
        await agent.stop();
        await server.close();
      });
    });
}
