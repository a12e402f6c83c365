/**
 * @module The environment a run's program gets, whatever runs it (pure): the agent's own environment
 * without its credentials (local-process/run-env.ts), then the run's variables and the path of its
 * config file. A runner adds its engine's own on top (Slurm's `SLURM_*`).
 */
import { inheritedEnv } from './local-process/run-env.js';
import type { LaunchPlan } from './runner.js';

export function programEnv(plan: LaunchPlan): NodeJS.ProcessEnv {
  const { baseEnv, secretEnv, wandbCredentials } = plan.inherit;
  const env = inheritedEnv(baseEnv, {
    secretEnv,
    wandbCredentials,
    ...(plan.user === undefined ? {} : { user: plan.user }),
  });
  // The run's own variables win over anything of the agent's of the same name (its run token).
  return Object.assign(env, plan.runEnv, { TMINUS_CONFIG_PATH: plan.configPath });
}
