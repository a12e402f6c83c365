/**
 * @module The CLI config file (`~/.config/tminus/config.json`, mode 0600) that `tminus up` writes,
 * so that the CLI, the SDK and agents on that machine need no other set-up. Node-only.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import * as z from 'zod';

export const CliConfig = z.object({
  baseUrl: z.string().optional(),
  apiKey: z.string().optional(),
  entity: z.string().optional(),
});
export type CliConfig = z.infer<typeof CliConfig>;

/** `$TMINUS_CONFIG_DIR`, else `$XDG_CONFIG_HOME/tminus`, else `~/.config/tminus`, + `config.json`. */
export function cliConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir =
    env.TMINUS_CONFIG_DIR ||
    join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'tminus');
  return join(dir, 'config.json');
}

/** The config file's contents, or `{}` when it is missing or unreadable. */
export function readCliConfig(path: string = cliConfigPath()): CliConfig {
  try {
    const parsed = CliConfig.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}
