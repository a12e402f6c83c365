/**
 * `tminus up` as a user starts it: the built CLI spawned with its own HOME, config dir and data dir.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Api } from '@tminus/sdk';

import { CLI, type CliResult, runCli } from './cli.js';
import { tempDir } from './temp.js';

export interface UpProcess {
  readonly url: string;
  readonly api: Api;
  readonly entity: string;
  readonly env: NodeJS.ProcessEnv;
  readonly output: () => string;
  cli(args: readonly string[], cwd?: string): Promise<CliResult>;
  stop(): Promise<void>;
}

export async function startUp(extraArgs: readonly string[] = []): Promise<UpProcess> {
  const dir = tempDir('up');
  const env: NodeJS.ProcessEnv = {
    HOME: dir.path,
    TMINUS_CONFIG_DIR: join(dir.path, 'config'),
    TMINUS_DATA_DIR: join(dir.path, 'data'),
    TMINUS_ENTITY: 'alice',
    TMINUS_BASE_URL: '',
    TMINUS_API_KEY: '',
  };
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, 'up', '--port', '0', '--data-dir', join(dir.path, 'data'), ...extraArgs],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`tminus up did not print its URL:\n${output}`)),
      30_000,
    );
    const check = () => {
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(output);
      // `up` prints its instructions last, once server and agent are ready.
      if (match && output.includes('tminus run list')) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.on('exit', (code) => reject(new Error(`tminus up exited with ${code}:\n${output}`)));
  });
  const config = JSON.parse(readFileSync(join(dir.path, 'config', 'config.json'), 'utf8')) as {
    apiKey: string;
    baseUrl: string;
    entity: string;
  };
  return {
    url,
    api: new Api({ baseUrl: config.baseUrl, apiKey: config.apiKey }),
    entity: config.entity,
    env,
    output: () => output,
    cli: (args, cwd) => runCli(args, env, cwd),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      dir.remove();
    },
  };
}
