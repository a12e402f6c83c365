import { describe, expect, it } from 'vitest';

import { Api } from './client.js';
import { LaunchError } from './errors.js';
import { launch } from './launch.js';
import { launchAdd, launchAddBatch } from './launch-add.js';
import { closestKey } from './option-keys.js';

const api = new Api({ baseUrl: 'http://127.0.0.1:9', apiKey: 'tmk_unused' });

async function refusal(promise: Promise<unknown>): Promise<LaunchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LaunchError);
  return error as LaunchError;
}

describe('unknown option keys', () => {
  it.each([
    ['queue_name', 'queueName'],
    ['template_variables', 'templateVariables'],
    ['docker_image', 'dockerImage'],
    ['entry_point', 'entryPoint'],
    ['queueNmae', 'queueName'],
    ['priorty', 'priority'],
  ])('launchAdd({ %s }) is refused before any request: "did you mean %s?"', async (key, meant) => {
    const error = await refusal(launchAdd({ api, job: 'e/p/n', [key]: 'x' }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(`launchAdd() has no option "${key}"; did you mean ${meant}?`);
    expect(error.details).toMatchObject({ option: key, didYouMean: meant });
  });

  it('names a key nothing resembles without guessing', async () => {
    const error = await refusal(launchAdd({ api, job: 'e/p/n', gpuCount: 2 } as never));
    expect(error.message).toBe('launchAdd() has no option "gpuCount"');
    expect(error.hint).toContain('queueName');
  });

  it('checks batch items and launch() the same way', async () => {
    const batch = await refusal(
      launchAddBatch([{ job: 'e/p/n', queue_name: 'gpu' } as never], { api }),
    );
    expect(batch.message).toBe(
      'items[0]: launchAddBatch() has no option "queue_name"; did you mean queueName?',
    );
    const direct = await refusal(launch(api, { job: 'e/p/n', run_id: 'x' } as never));
    expect(direct.message).toBe('launch() has no option "run_id"; did you mean runId?');
  });

  it('launch() without an Api says that the Api is missing', async () => {
    const error = await refusal(launch({ job: 'e/p/n:latest' } as never));
    expect(error.message).toMatch(/^launch\(\) needs an Api as its first argument/);
    expect(error.hint).toContain('launch(new Api(), { job:');
  });

  it('closestKey prefers the camelCase spelling, then a near typo', () => {
    expect(closestKey('run_id', ['runId', 'name'])).toBe('runId');
    expect(closestKey('nmae', ['runId', 'name'])).toBe('name');
    expect(closestKey('completely_else', ['runId', 'name'])).toBeUndefined();
  });
});
