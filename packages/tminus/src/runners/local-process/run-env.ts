/**
 * @module Which of the agent's environment variables a run inherits (pure). The rule, in one place:
 * the agent's environment minus every tminus credential, minus what the agent's configuration names
 * secret (`--secret-env`, `secret_env:`), minus W&B's credentials when the agent withholds them
 * (`--no-wandb-credentials`). W&B's own `WANDB_API_KEY`/`WANDB_BASE_URL` otherwise pass through,
 * as W&B's agent passes them: they are the user's W&B account, not a tminus credential. A run that
 * executes as another Unix user gets that user's `HOME`/`USER`/`LOGNAME`, not the agent's. The
 * run's own facts (its id, config, queue: run-variables.ts) come from tminus only, never from the
 * agent's environment.
 */
import { isRunFact } from '../run-variables.js';

/** tminus's own credentials by name; any other `TMINUS_*` variable named like a secret goes too. */
const TMINUS_CREDENTIALS = new Set([
  'TMINUS_API_KEY',
  'TMINUS_BOOTSTRAP_API_KEY',
  // May hold a password (postgres://user:password@host/db).
  'TMINUS_DATABASE_URL',
]);
const TMINUS_SECRET_NAME = /^TMINUS_.*(KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL|DATABASE_URL)/;

/** W&B's credentials: the run's W&B account, passed through unless the agent withholds them. */
export const WANDB_CREDENTIALS = ['WANDB_API_KEY', 'WANDB_BASE_URL'] as const;

/**
 * Variables that name the agent's own per-user directories: a run executing as another user
 * would find them unreadable (or, worse, shared), so they are left out and the run's tools fall
 * back to the run user's `HOME`.
 */
const AGENT_USER_DIRS = [
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'XDG_DATA_HOME',
  'XDG_STATE_HOME',
  'XDG_RUNTIME_DIR',
  'TMINUS_CONFIG_DIR',
  'TMINUS_DATA_DIR',
  'TMINUS_CACHE_DIR',
];

export interface RunEnvRules {
  /** Names the agent's configuration marks secret; `PREFIX*` matches every name that starts with PREFIX. */
  readonly secretEnv: readonly string[];
  /** Whether `WANDB_API_KEY` and `WANDB_BASE_URL` pass through (W&B's agent passes them). */
  readonly wandbCredentials: boolean;
  /** The Unix user the run executes as, when it is not the agent's. */
  readonly user?: { readonly name: string; readonly home: string };
}

/** Whether `name` is one of tminus's credentials (never passed to a run). */
export function isTminusCredential(name: string): boolean {
  return TMINUS_CREDENTIALS.has(name) || TMINUS_SECRET_NAME.test(name);
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*\*?$/;

/** What is wrong with a `--secret-env` value, or undefined when it is a variable name or `PREFIX*`. */
export function secretEnvProblem(name: string): string | undefined {
  return ENV_NAME.test(name)
    ? undefined
    : `"${name}" is not an environment variable name (letters, digits and "_", not starting with a digit; a final "*" matches a prefix, e.g. AWS_*)`;
}

function matches(name: string, pattern: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/** The environment a run inherits from the agent's `agentEnv` (which is left untouched). */
export function inheritedEnv(agentEnv: NodeJS.ProcessEnv, rules: RunEnvRules): NodeJS.ProcessEnv {
  const withheld = (name: string) =>
    isTminusCredential(name) ||
    isRunFact(name) ||
    rules.secretEnv.some((pattern) => matches(name, pattern)) ||
    (!rules.wandbCredentials && (WANDB_CREDENTIALS as readonly string[]).includes(name)) ||
    (rules.user !== undefined && AGENT_USER_DIRS.includes(name));
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(agentEnv)) if (!withheld(name)) env[name] = value;
  if (rules.user !== undefined) {
    env.HOME = rules.user.home;
    env.USER = rules.user.name;
    env.LOGNAME = rules.user.name;
  }
  return env;
}
