/**
 * `tminus agent` with no `-c`, as a W&B user starts it: the real binary reads W&B's
 * `~/.config/wandb/launch-config.yaml` (W&B's keys, `builder` and `registry` included) and says once
 * what it keeps but does not use.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { type Spawned, spawnTminus } from '../helpers/processes.js';
import { startStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let agent: Spawned | undefined;

beforeAll(async () => {
  stack = await startStack();
  await stack.api.request('createQueue', { body: { name: 'from-wandb-config' } });
});
afterAll(async () => {
  await agent?.kill();
  await stack.close();
});

it('reads ~/.config/wandb/launch-config.yaml without -c, and names the W&B keys it keeps unused', async () => {
  const home = join(stack.dir, 'home');
  const file = join(home, '.config', 'wandb', 'launch-config.yaml');
  mkdirSync(join(home, '.config', 'wandb'), { recursive: true });
  writeFileSync(
    file,
    [
      'queues: [from-wandb-config]',
      'max_jobs: 2',
      'max_schedulers: 1',
      'builder:',
      '  type: docker',
      '  destination: registry.example.com/team/runs',
      'registry:',
      '  type: ecr',
      '  uri: 123.dkr.ecr.us-east-1.amazonaws.com/runs',
      '',
    ].join('\n'),
  );
  agent = spawnTminus(['agent'], {
    HOME: home,
    TMINUS_CONFIG_DIR: join(home, 'tminus-config'),
    TMINUS_BASE_URL: stack.url,
    TMINUS_API_KEY: stack.apiKey,
    TMINUS_DATA_DIR: join(stack.dir, 'agent-data'),
  });
  await agent.waitFor('polling on queues from-wandb-config (max jobs 2)');
  const output = agent.output();
  expect(output).toContain(`launch-config: ${file}\n`);
  expect(output).toContain(
    'launch-config: max_schedulers (sweep schedulers run on the server in tminus): kept, but not used by this agent\n',
  );
  expect(output.match(/kept, but not used/g)).toHaveLength(1);
});
