import { describe, expect, it } from 'vitest';

import { WANDB_VARIABLE_LIMIT } from '../core/wandb-variables.js';
import { isRunFact, type RunFacts, runVariables } from './run-variables.js';

const run: RunFacts = {
  runId: 'r1',
  entity: 'e',
  project: 'My-Project',
  name: 'nice',
  queue: 'default',
  queueEntity: 'team',
  queueItemId: 'qi_1',
  image: undefined,
  spec: {},
  runConfig: { lr: 1 },
  apiUrl: 'http://x',
  runToken: 'tok',
  attempt: 1,
};

/** What wandb does with chunks: joins WANDB_CONFIG_0, _1, … in order (wandb_init._handle_launch_config). */
function joined(env: Record<string, string>, base: string): string {
  let text = '';
  for (let i = 0; env[`${base}_${i}`] !== undefined; i++) text += env[`${base}_${i}`];
  return text;
}

describe('the variables a run gets from tminus', () => {
  it('its ids, config and run token under tminus’s names, and every variable W&B’s agent sets', () => {
    expect(
      runVariables({
        ...run,
        image: 'python:3.12',
        spec: {
          sweep_id: 's1',
          author: 'alice',
          overrides: {
            files: { 'conf.yaml': { a: 1 } },
            artifacts: { 'dataset:latest': 'e/p/dataset:v3' },
          },
        },
      }),
    ).toEqual({
      TMINUS_RUN_ID: 'r1',
      TMINUS_ENTITY: 'e',
      TMINUS_PROJECT: 'My-Project',
      TMINUS_CONFIG: '{"lr":1}',
      TMINUS_API_URL: 'http://x',
      TMINUS_RUN_TOKEN: 'tok',
      TMINUS_QUEUE: 'default',
      WANDB_RUN_ID: 'r1',
      WANDB_CONFIG: '{"lr":1}',
      WANDB_LAUNCH: 'True',
      WANDB_PROJECT: 'my-project',
      WANDB_ENTITY: 'e',
      WANDB_NAME: 'nice',
      WANDB_USERNAME: 'alice',
      WANDB_DOCKER: 'python:3.12',
      WANDB_SWEEP_ID: 's1',
      WANDB_LAUNCH_QUEUE_NAME: 'default',
      WANDB_LAUNCH_QUEUE_ENTITY: 'team',
      WANDB_LAUNCH_TRACE_ID: 'qi_1',
      WANDB_LAUNCH_FILE_OVERRIDES: '{"conf.yaml":{"a":1}}',
      WANDB_ARTIFACTS: '{"dataset:latest":"e/p/dataset:v3"}',
    });
  });

  it('leaves out what the run does not have, and says resume=allow on a retry', () => {
    const env = runVariables({
      ...run,
      name: null,
      queue: null,
      queueEntity: null,
      queueItemId: null,
      project: '',
    });
    for (const name of [
      'WANDB_NAME',
      'WANDB_SWEEP_ID',
      'WANDB_USERNAME',
      'WANDB_DOCKER',
      'WANDB_PROJECT',
      'TMINUS_QUEUE',
      'WANDB_LAUNCH_QUEUE_NAME',
      'WANDB_LAUNCH_QUEUE_ENTITY',
      'WANDB_LAUNCH_TRACE_ID',
      'WANDB_RESUME',
    ])
      expect(env, name).not.toHaveProperty(name);
    // W&B sets these always, empty when there is nothing to say.
    expect(env).toMatchObject({ WANDB_LAUNCH_FILE_OVERRIDES: '{}', WANDB_ARTIFACTS: '{}' });
    expect(runVariables({ ...run, attempt: 2 }).WANDB_RESUME).toBe('allow');
  });

  it('a config longer than one variable travels as WANDB_CONFIG_0..N of 32,670 characters, which join to it; TMINUS_CONFIG is left to the file', () => {
    const runConfig = { lr: 0.1, notes: 'ü'.repeat(40_000), blob: 'x'.repeat(100_000) };
    const env = runVariables({ ...run, runConfig });
    expect(env).not.toHaveProperty('WANDB_CONFIG');
    expect(env).not.toHaveProperty('TMINUS_CONFIG');
    const chunks = Object.keys(env).filter((k) => k.startsWith('WANDB_CONFIG_'));
    // 40,000 × "\u00fc" (6 characters each) + 100,000 + the rest: 340,031 characters.
    expect(chunks).toEqual([...Array(11).keys()].map((i) => `WANDB_CONFIG_${i}`));
    for (const name of chunks.slice(0, -1)) expect(env[name]).toHaveLength(WANDB_VARIABLE_LIMIT);
    // ASCII only: a chunk boundary never splits a character, and characters are bytes.
    expect(Object.values(env).join('')).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(joined(env, 'WANDB_CONFIG'))).toEqual(runConfig);
  });

  it('file overrides are split the same way', () => {
    const files = { 'big.json': { data: 'y'.repeat(70_000) } };
    const env = runVariables({ ...run, spec: { overrides: { files } } });
    expect(env).not.toHaveProperty('WANDB_LAUNCH_FILE_OVERRIDES');
    expect(JSON.parse(joined(env, 'WANDB_LAUNCH_FILE_OVERRIDES'))).toEqual(files);
  });

  it.each([
    ['WANDB_CONFIG', true],
    ['WANDB_CONFIG_12', true],
    ['WANDB_LAUNCH_FILE_OVERRIDES_0', true],
    ['WANDB_RUN_ID', true],
    ['TMINUS_RUN_ID', true],
    ['WANDB_API_KEY', false],
    ['WANDB_BASE_URL', false],
    ['WANDB_MODE', false],
    ['WANDB_CONFIG_DIR', false],
    ['WANDB_CONFIG_PATHS', false],
  ])('%s is a run fact (never inherited from the agent): %s', (name, fact) => {
    expect(isRunFact(name)).toBe(fact);
  });
});
