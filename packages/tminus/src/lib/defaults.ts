/**
 * @module Where tminus keeps things by default, and its version: decided here once for the server,
 * the agent, `launch()` and the operator commands.
 */
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `TMINUS_DATA_DIR`, else `~/.tminus`: the SQLite database, blobs, the local agent's runs and caches. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TMINUS_DATA_DIR || join(homedir(), '.tminus');
}

/** `TMINUS_CACHE_DIR`, else `<data dir>/agent-cache`: git mirrors and code snapshots, shared by local runs. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TMINUS_CACHE_DIR || join(defaultDataDir(env), 'agent-cache');
}

/** The version of the `tminus` package (server, agent and CLI report it). */
export const TMINUS_VERSION: string = (
  createRequire(import.meta.url)('../../package.json') as { version: string }
).version;
