/**
 * @module The variables a launched program gets from tminus, whatever runs it (pure): its run id,
 * entity, project, config and run token under tminus's names and under W&B's, so that a script
 * written for W&B Launch reads its overrides unchanged.
 */
import type { JsonObject, LaunchSpec } from '@tminus/sdk/protocol';

export interface RunFacts {
  readonly runId: string;
  readonly entity: string;
  readonly project: string;
  readonly name: string | null;
  readonly queue: string | null;
  readonly spec: LaunchSpec;
  readonly runConfig: JsonObject;
  readonly apiUrl: string;
  readonly runToken: string;
  readonly attempt: number;
}

/** The run's variables; the config file's path is added by the runner (it differs in a container). */
export function runVariables(run: RunFacts): Record<string, string> {
  const config = JSON.stringify(run.runConfig);
  const env: Record<string, string> = {
    TMINUS_RUN_ID: run.runId,
    TMINUS_ENTITY: run.entity,
    TMINUS_PROJECT: run.project,
    TMINUS_CONFIG: config,
    TMINUS_API_URL: run.apiUrl,
    TMINUS_RUN_TOKEN: run.runToken,
    WANDB_RUN_ID: run.runId,
    WANDB_CONFIG: config,
    WANDB_LAUNCH: 'True',
    WANDB_PROJECT: run.project,
    WANDB_ENTITY: run.entity,
  };
  if (run.name !== null) env.WANDB_NAME = run.name;
  if (run.queue !== null) {
    env.TMINUS_QUEUE = run.queue;
    env.WANDB_LAUNCH_QUEUE_NAME = run.queue;
  }
  if (run.spec.sweep_id !== undefined) env.WANDB_SWEEP_ID = run.spec.sweep_id;
  if (run.attempt > 1) env.WANDB_RESUME = 'allow';
  return env;
}
