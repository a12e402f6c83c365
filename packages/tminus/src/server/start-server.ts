/**
 * @module The server's composition root: data dir → store → services → HTTP.
 */
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

import { MAX_METRIC_KEYS } from '@tminus/sdk/protocol';

import { makeDataDirPrivate } from '../lib/private-files.js';
import type { LogLimit } from '../store/log-budget.js';
import type { MetricLimit } from '../store/metric-budget.js';
import { createAuthorize } from './access/authorize.js';
import type { KeySpec } from './access/keys.js';
import { Authenticator } from './auth.js';
import { createFsBlobStore } from './blobs/fs-blob-store.js';
import { createRequestListener } from './http/app.js';
import { StaticFiles } from './http/static-files.js';
import { BodyReader } from './http/body.js';
import { createHandlers, SERVER_VERSION } from './http/handlers.js';
import { createHttpServer } from './http/http-server.js';
import { type HttpLimits, resolveHttpLimits } from './http/limits.js';
import { removeStaleUploads } from './http/upload.js';
import { startLeaseSweeper } from './lease-sweeper.js';
import { Notifier, topics } from './notifier.js';
import { createServices } from './services/index.js';
import { openStore } from '../store/open-store.js';

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** `postgres://…` to use PostgreSQL instead of the embedded SQLite file in the data dir. */
  readonly database?: string;
  /** Seeds the first admin key (only when the store has no key yet). */
  readonly bootstrapApiKey?: string;
  /** Entity of the first admin key. @default the OS user name */
  readonly defaultEntity?: string;
  readonly leaseSeconds?: number;
  /** Log text each run keeps; output past it is dropped with a notice. @default 64 */
  readonly maxLogMiB?: number;
  /** Metric values (one key at one step) each run keeps; later points are dropped. @default 1,000,000 */
  readonly maxMetricsPerRun?: number;
  /** A run still `starting` after this long is failed (W&B's RUN_START_TIMEOUT). @default 1800 */
  readonly startTimeoutSeconds?: number;
  /** Body sizes, timeouts and the connection cap; each unset one has its default (DEFAULT_HTTP_LIMITS). */
  readonly limits?: Partial<HttpLimits>;
  readonly log?: (line: string) => void;
  /** The web UI's built files (default: this package's `dist/ui`, made by `npm run build`). */
  readonly uiDir?: string;
}

export interface RunningServer {
  readonly url: string;
  /** Set when this start created the first admin key. */
  readonly bootstrap: { apiKey: string; entity: string } | undefined;
  /**
   * A key made by whoever runs the server process (`tminus up` for its CLI config and local agent):
   * `replace` revokes that user's earlier keys of the same kind and name.
   */
  issueKey(spec: KeySpec, replace?: boolean): Promise<string>;
  close(): Promise<void>;
}

export const DEFAULT_LEASE_SECONDS = 30;
export const DEFAULT_MAX_LOG_MIB = 64;
export const DEFAULT_MAX_METRICS_PER_RUN = 1_000_000;

function logLimitOf(mib: number): LogLimit {
  return {
    maxBytes: Math.round(mib * 1024 ** 2),
    notice: `[tminus] This run's log reached the server's limit of ${mib} MiB; later output is not kept (the run goes on). An operator can raise it: tminus server --max-log-mib N.`,
  };
}

function metricLimitOf(maxValues: number): MetricLimit {
  return { maxValues, maxSummaryKeys: MAX_METRIC_KEYS };
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => console.error(line));
  const limits = resolveHttpLimits(options.limits);
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const uploadDir = join(options.dataDir, 'tmp');
  await removeStaleUploads(uploadDir);
  const { store } = await openStore({ database: options.database, dataDir: options.dataDir });
  makeDataDirPrivate(options.dataDir); // 0700 / 0600 whatever the files were (lib/private-files.ts)
  await store.migrate();
  const feed = store.changes;
  const notifier = new Notifier(
    feed ? { publish: (topic) => feed.publish(topic), backstopMs: feed.backstopMs } : {},
  );
  const unsubscribe = feed ? await feed.subscribe((topic) => notifier.deliver(topic)) : undefined;
  const leaseMs = (options.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
  const ctx = {
    store,
    blobs: store.blobs ?? createFsBlobStore(join(options.dataDir, 'blobs')),
    notifier,
    now: () => Date.now(),
    leaseMs,
    logLimit: logLimitOf(options.maxLogMiB ?? DEFAULT_MAX_LOG_MIB),
    metricLimit: metricLimitOf(options.maxMetricsPerRun ?? DEFAULT_MAX_METRICS_PER_RUN),
    log,
  };
  const services = createServices(ctx, SERVER_VERSION);
  // Sweep a few times per lease so a lost agent is noticed within lease + a fraction of it.
  const stopSweeper = startLeaseSweeper(ctx, {
    intervalMs: Math.min(1_000, Math.max(100, leaseMs / 10)),
    startTimeoutMs: (options.startTimeoutSeconds ?? 1800) * 1000,
  });
  // With replicas, a key revoked on another one is re-read after at most the feed's backstop.
  const auth = new Authenticator(store, feed?.backstopMs ?? Infinity);
  const unwatch = notifier.watch(topics.access, () => auth.invalidate());
  let bootstrap: RunningServer['bootstrap'];
  if ((await store.countApiKeys()) === 0) {
    // The first user: a server admin, whose key is the bootstrap key.
    const entity = options.defaultEntity ?? safeEntityName(userInfo().username);
    try {
      const created = await services.access.createUser(entity, true, options.bootstrapApiKey);
      bootstrap = { apiKey: created.apiKey, entity };
    } catch (error) {
      // Another replica starting at the same moment created the first key; only one may.
      if ((await store.countApiKeys()) === 0) throw error;
    }
  }
  const server = createHttpServer(
    createRequestListener({
      handlers: createHandlers(services),
      auth,
      authorize: createAuthorize(services.guard),
      bodies: new BodyReader(limits, uploadDir),
      version: SERVER_VERSION,
      log,
      ...(store.durable === undefined ? {} : { durable: () => store.durable!() }),
      ui: new StaticFiles(options.uiDir),
    }),
    limits,
    log,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${address.port}`,
    bootstrap,
    issueKey: (spec, replace) => services.access.issueKey(spec, replace),
    async close() {
      unwatch();
      await stopSweeper();
      await unsubscribe?.();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
    },
  };
}

/** OS user names may hold characters entity names do not allow. */
function safeEntityName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64) || 'default';
}
