/**
 * @module Where an `Api` finds its server and key: explicit options, then the environment
 * (`TMINUS_BASE_URL`, `TMINUS_API_KEY`), then the CLI config file (read by the Node entry only,
 * so this module stays free of `node:*` imports), then the default local server.
 */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:7447';

export interface Credentials {
  readonly baseUrl?: string;
  readonly apiKey?: string;
}

type CredentialsLoader = () => Credentials;
let fileLoader: CredentialsLoader = () => ({});

/** Installed by the Node entry point: reads `~/.config/tminus/config.json`. */
export function setCredentialsFileLoader(loader: CredentialsLoader): void {
  fileLoader = loader;
}

function env(name: string): string | undefined {
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env?.[name];
  return value === '' ? undefined : value;
}

export function resolveCredentials(explicit: Credentials = {}): {
  baseUrl: string;
  apiKey: string | undefined;
} {
  const file = explicit.baseUrl && explicit.apiKey ? {} : fileLoader();
  const baseUrl = explicit.baseUrl ?? env('TMINUS_BASE_URL') ?? file.baseUrl ?? DEFAULT_BASE_URL;
  const apiKey = explicit.apiKey ?? env('TMINUS_API_KEY') ?? file.apiKey;
  return { baseUrl: baseUrl.replace(/\/+$/, ''), apiKey };
}
