import { describe, expect, it } from 'vitest';

import { type RunFacts, runVariables } from './run-variables.js';

const run: RunFacts = {
  runId: 'r1',
  entity: 'e',
  project: 'p',
  name: 'nice',
  queue: 'default',
  spec: {},
  runConfig: { lr: 1 },
  apiUrl: 'http://x',
  runToken: 'tok',
  attempt: 1,
};

describe('the variables a run gets from tminus', () => {
  it('its ids, config and run token, under tminus’s names and W&B’s', () => {
    expect(runVariables({ ...run, spec: { sweep_id: 's1' } })).toEqual({
      TMINUS_RUN_ID: 'r1',
      TMINUS_ENTITY: 'e',
      TMINUS_PROJECT: 'p',
      TMINUS_CONFIG: '{"lr":1}',
      TMINUS_API_URL: 'http://x',
      TMINUS_RUN_TOKEN: 'tok',
      TMINUS_QUEUE: 'default',
      WANDB_RUN_ID: 'r1',
      WANDB_CONFIG: '{"lr":1}',
      WANDB_LAUNCH: 'True',
      WANDB_PROJECT: 'p',
      WANDB_ENTITY: 'e',
      WANDB_NAME: 'nice',
      WANDB_SWEEP_ID: 's1',
      WANDB_LAUNCH_QUEUE_NAME: 'default',
    });
  });

  it('leaves out what the run does not have, and says resume=allow on a retry', () => {
    const env = runVariables({ ...run, name: null, queue: null });
    expect(env).not.toHaveProperty('WANDB_NAME');
    expect(env).not.toHaveProperty('WANDB_SWEEP_ID');
    expect(env).not.toHaveProperty('TMINUS_QUEUE');
    expect(env).not.toHaveProperty('WANDB_LAUNCH_QUEUE_NAME');
    expect(env).not.toHaveProperty('WANDB_RESUME');
    expect(runVariables({ ...run, attempt: 2 }).WANDB_RESUME).toBe('allow');
  });
});
