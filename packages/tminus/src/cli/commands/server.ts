/**
 * @module `tminus server` and `tminus up` (server + one local agent in one process, still over HTTP).
 */
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

import { Api, cliConfigPath, readCliConfig } from '@tminus/sdk';
import type { Command } from 'commander';

import { startAgent } from '../../agent/create-agent.js';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from '../../server/http/limits.js';
import {
  DEFAULT_LEASE_SECONDS,
  DEFAULT_MAX_LOG_MIB,
  DEFAULT_MAX_METRICS_PER_RUN,
  startServer,
} from '../../server/start-server.js';
import { writeCliConfig } from '../config-file.js';
import { examples, say } from '../output.js';
import { parseInteger } from '../parse.js';
import {
  addRunIsolationOptions,
  type RunIsolationFlags,
  runIsolationFlags,
  workDirOf,
} from '../run-isolation-flags.js';
import { defaultDataDir } from '../../lib/defaults.js';

interface ServerFlags extends RunIsolationFlags {
  host: string;
  port: string;
  dataDir?: string;
  database?: string;
  leaseSeconds?: string;
  maxLogMib?: string;
  maxMetricsPerRun?: string;
  startTimeoutSeconds?: string;
  entity?: string;
  maxJobs?: string;
  maxConnections: string;
  headersTimeoutSeconds: string;
  requestTimeoutSeconds: string;
  maxJsonMib: string;
  maxUploadMib: string;
  jsonBudgetMib: string;
}

const MiB = 1024 ** 2;

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
      '--max-log-mib <n>',
      `log text each run keeps; later output is dropped with a notice in the log, and the run goes on (env TMINUS_MAX_LOG_MIB; default ${DEFAULT_MAX_LOG_MIB})`,
      process.env.TMINUS_MAX_LOG_MIB,
    )
    .option(
      '--max-metrics-per-run <n>',
      `metric values each run keeps (one key at one step is one); later points are dropped, the run goes on and its program is told (env TMINUS_MAX_METRICS_PER_RUN; default ${DEFAULT_MAX_METRICS_PER_RUN})`,
      process.env.TMINUS_MAX_METRICS_PER_RUN,
    )
    .option(
      '--start-timeout-seconds <n>',
      'fail runs still starting after this long (env WANDB_LAUNCH_START_TIMEOUT)',
      process.env.WANDB_LAUNCH_START_TIMEOUT ?? '1800',
    )
    .option(
      '-e, --entity <entity>',
      'entity of the first admin key (env TMINUS_ENTITY; default: your user name)',
    )
    .option(
      '--max-connections <n>',
      'open connections at most, more are closed at once; each long-polling agent holds one (env TMINUS_MAX_CONNECTIONS)',
      process.env.TMINUS_MAX_CONNECTIONS ?? String(DEFAULT_HTTP_LIMITS.maxConnections),
    )
    .option(
      '--headers-timeout-seconds <n>',
      'time a client has to send the headers of a request, then 408 and the connection closes; 0 = no limit (env TMINUS_HEADERS_TIMEOUT_SECONDS)',
      process.env.TMINUS_HEADERS_TIMEOUT_SECONDS ??
        String(DEFAULT_HTTP_LIMITS.headersTimeoutMs / 1000),
    )
    .option(
      '--request-timeout-seconds <n>',
      'time a client has to send a whole request, body included (uploads too: raise it for large snapshots over slow links); answers such as long-polls may take longer; 0 = no limit (env TMINUS_REQUEST_TIMEOUT_SECONDS)',
      process.env.TMINUS_REQUEST_TIMEOUT_SECONDS ??
        String(DEFAULT_HTTP_LIMITS.requestTimeoutMs / 1000),
    )
    .option(
      '--max-json-mib <n>',
      'largest JSON request body, larger ones get 413 (env TMINUS_MAX_JSON_MIB)',
      process.env.TMINUS_MAX_JSON_MIB ?? String(DEFAULT_HTTP_LIMITS.maxJsonBytes / MiB),
    )
    .option(
      '--max-upload-mib <n>',
      'largest code snapshot upload (streamed to disk), larger ones get 413 (env TMINUS_MAX_UPLOAD_MIB)',
      process.env.TMINUS_MAX_UPLOAD_MIB ?? String(DEFAULT_HTTP_LIMITS.maxUploadBytes / MiB),
    )
    .option(
      '--json-budget-mib <n>',
      'JSON request bodies held in memory at once, over all requests; past it a request is answered 503 at once (env TMINUS_JSON_BUDGET_MIB)',
      process.env.TMINUS_JSON_BUDGET_MIB ?? String(DEFAULT_HTTP_LIMITS.jsonBudgetBytes / MiB),
    );
}

function limitsOf(flags: ServerFlags): HttpLimits {
  return {
    maxConnections: parseInteger(flags.maxConnections, '--max-connections', 1),
    headersTimeoutMs:
      parseInteger(flags.headersTimeoutSeconds, '--headers-timeout-seconds', 0) * 1000,
    requestTimeoutMs:
      parseInteger(flags.requestTimeoutSeconds, '--request-timeout-seconds', 0) * 1000,
    maxJsonBytes: parseInteger(flags.maxJsonMib, '--max-json-mib', 1) * MiB,
    maxUploadBytes: parseInteger(flags.maxUploadMib, '--max-upload-mib', 1) * MiB,
    jsonBudgetBytes: parseInteger(flags.jsonBudgetMib, '--json-budget-mib', 1) * MiB,
  };
}

async function boot(flags: ServerFlags) {
  const dataDir = flags.dataDir ?? defaultDataDir();
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
    ...(flags.maxLogMib === undefined
      ? {}
      : { maxLogMiB: parseInteger(flags.maxLogMib, '--max-log-mib', 1) }),
    ...(flags.maxMetricsPerRun === undefined
      ? {}
      : {
          maxMetricsPerRun: parseInteger(flags.maxMetricsPerRun, '--max-metrics-per-run', 1),
        }),
    startTimeoutSeconds: parseInteger(
      flags.startTimeoutSeconds ?? '1800',
      '--start-timeout-seconds',
      1,
    ),
    limits: limitsOf(flags),
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
      // A user key in the config that works against this server is kept; else the key this start
      // created; else a new one for the user named like the entity (whoever runs the server owns its
      // data dir, so this is no more than they can do already).
      let apiKey: string | undefined;
      let user: string | undefined;
      let entity: string | undefined;
      if (existing.apiKey) {
        const who = await new Api({ baseUrl: server.url, apiKey: existing.apiKey })
          .request('whoami', {})
          .catch(() => undefined);
        if (who?.kind === 'user' && who.user !== null)
          [apiKey, user, entity] = [existing.apiKey, who.user, who.entity];
      }
      if (apiKey === undefined && server.bootstrap)
        [apiKey, user, entity] = [
          server.bootstrap.apiKey,
          server.bootstrap.entity,
          server.bootstrap.entity,
        ];
      if (apiKey === undefined || user === undefined || entity === undefined) {
        user = entity = (
          flags.entity ??
          (process.env.TMINUS_ENTITY || userInfo().username)
        ).replace(/[^A-Za-z0-9_.-]/g, '_');
        apiKey = await server.issueKey(
          { kind: 'user', name: 'tminus up', user, entity, queues: null },
          true,
        );
      }
      writeCliConfig({ baseUrl: server.url, apiKey, entity }, configPath);
      // The local agent gets a key that can serve the default queue and nothing else.
      const agentKey = await server.issueKey(
        { kind: 'agent', name: 'tminus up agent', user, entity, queues: ['default'] },
        true,
      );
      const api = new Api({ baseUrl: server.url, apiKey: agentKey });
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
