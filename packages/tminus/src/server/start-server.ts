/**
 * @module The server's composition root: data dir → store → services → HTTP.
 */
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

import { makeDataDirPrivate } from '../lib/private-files.js';
import { openPostgresStore } from '../store/postgres/postgres-store.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { Authenticator } from './auth.js';
import { createFsBlobStore } from './blobs/fs-blob-store.js';
import { createRequestListener } from './http/app.js';
import { createHandlers, SERVER_VERSION } from './http/handlers.js';
import { startLeaseSweeper } from './lease-sweeper.js';
import { Notifier } from './notifier.js';
import { createServices } from './services/index.js';

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
  /** A run still `starting` after this long is failed (W&B's RUN_START_TIMEOUT). @default 1800 */
  readonly startTimeoutSeconds?: number;
  readonly log?: (line: string) => void;
}

export interface RunningServer {
  readonly url: string;
  /** Set when this start created the first admin key. */
  readonly bootstrap: { apiKey: string; entity: string } | undefined;
  issueApiKey(entity: string, name: string): Promise<string>;
  close(): Promise<void>;
}

export const DEFAULT_LEASE_SECONDS = 30;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => console.error(line));
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const store: Store = options.database?.match(/^postgres(ql)?:\/\//)
    ? await openPostgresStore({ connectionString: options.database })
    : await openSqliteStore({ path: join(options.dataDir, 'tminus.db') });
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
    log,
  };
  const services = createServices(ctx);
  // Sweep a few times per lease so a lost agent is noticed within lease + a fraction of it.
  const stopSweeper = startLeaseSweeper(ctx, {
    intervalMs: Math.min(1_000, Math.max(100, leaseMs / 10)),
    startTimeoutMs: (options.startTimeoutSeconds ?? 1800) * 1000,
  });
  const auth = new Authenticator(store);
  let bootstrap: RunningServer['bootstrap'];
  if ((await store.countApiKeys()) === 0) {
    const entity = options.defaultEntity ?? safeEntityName(userInfo().username);
    await services.entities.ensure(entity);
    try {
      bootstrap = {
        apiKey: await auth.issue(entity, 'admin', Date.now(), options.bootstrapApiKey),
        entity,
      };
    } catch (error) {
      // Another replica starting at the same moment created the first key; only one may.
      if ((await store.countApiKeys()) === 0) throw error;
    }
  }
  const server = createServer(
    createRequestListener({
      handlers: createHandlers(services),
      auth,
      version: SERVER_VERSION,
      log,
      ...(store.durable === undefined ? {} : { durable: () => store.durable!() }),
    }),
  );
  // Long-polls hold requests for up to 60 s; keep idle keep-alive sockets a little longer than that.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${address.port}`,
    bootstrap,
    async issueApiKey(entity, name) {
      await services.entities.ensure(entity);
      return auth.issue(entity, name, Date.now());
    },
    async close() {
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
