/**
 * @module Running git for the agent: without a shell, never waiting on a terminal for a password,
 * with `ext::` transports off whatever the user's config says.
 */
import { execFileText } from '../../lib/exec-file.js';

let env: Promise<NodeJS.ProcessEnv> | undefined;

/** Never wait for a password or passphrase on a terminal no one is watching. */
function gitEnv(): Promise<NodeJS.ProcessEnv> {
  env ??= (async () => {
    const base = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
    // ssh ignores GIT_TERMINAL_PROMPT; BatchMode makes it fail instead of asking. A user's own ssh command wins.
    if (process.env.GIT_SSH_COMMAND || process.env.GIT_SSH) return base;
    const configured = await execFileText('git', ['config', '--get', 'core.sshCommand'], {
      env: base,
    }).catch(() => '');
    return configured.trim()
      ? base
      : {
          ...base,
          GIT_SSH_COMMAND: 'ssh -o BatchMode=yes -o ConnectTimeout=30 -o ServerAliveInterval=15',
        };
  })();
  return env;
}

/**
 * git without a shell; `ext::` transports (which run commands) are off whatever the user's config
 * says, and an https transfer stalled for a minute fails instead of holding the mirror's lock forever.
 */
export async function git(args: readonly string[]): Promise<string> {
  const safe = [
    '-c',
    'protocol.ext.allow=never',
    '-c',
    'http.lowSpeedLimit=1000',
    '-c',
    'http.lowSpeedTime=60',
  ];
  return (await execFileText('git', [...safe, ...args], { env: await gitEnv() })).trim();
}

export function gitMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/^git [^:]*: /, '');
}
