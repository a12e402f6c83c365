import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';

import { type CliConfig, cliConfigPath } from '@tminus/sdk';

/** Writes the CLI config with mode 0600 (it holds an API key). */
export function writeCliConfig(config: CliConfig, path: string = cliConfigPath()): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}
