import { Api } from '@tminus/sdk';
import type { Command } from 'commander';

export interface GlobalOptions {
  readonly debug?: boolean;
  readonly baseUrl?: string;
  readonly apiKey?: string;
}

/** The client for this invocation: flags, then TMINUS_BASE_URL/TMINUS_API_KEY, then the CLI config. */
export function apiOf(command: Command): Api {
  const g = command.optsWithGlobals<GlobalOptions>();
  return new Api({
    ...(g.baseUrl ? { baseUrl: g.baseUrl } : {}),
    ...(g.apiKey ? { apiKey: g.apiKey } : {}),
  });
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
