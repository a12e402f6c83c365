/**
 * @module The signed-in key: kept in this tab's session storage (gone when the tab closes), sent as
 * a Bearer header by the SDK client, never put in a URL (docs/decisions/0038).
 */
import { Api } from '@tminus/sdk';
import type { WhoAmI } from '@tminus/sdk/protocol';

const STORAGE_KEY = 'tminus.apiKey';

export interface Session {
  readonly api: Api;
  readonly who: WhoAmI;
}

export function storedKey(): string | undefined {
  return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
}

/** Checks the key with the server (`whoami`); keeps it only when the server accepts it. */
export async function signIn(apiKey: string): Promise<Session> {
  const api = new Api({
    baseUrl: location.origin,
    apiKey,
    fetch: (input, init) => fetch(input, init),
  });
  const who = await api.request('whoami', {});
  sessionStorage.setItem(STORAGE_KEY, apiKey);
  return { api, who };
}

export function signOut(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
