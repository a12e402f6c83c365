/**
 * @module The command tree. Each command group lives in `commands/`; no business logic here.
 */
import { Command } from 'commander';

import { TMINUS_VERSION } from '../lib/defaults.js';

import { registerAccessCommands } from './commands/access.js';
import { registerAgentCommands } from './commands/agent.js';
import { registerJobCommands } from './commands/job.js';
import { registerLaunchCommand } from './commands/launch.js';
import { registerOperateCommands } from './commands/operate.js';
import { registerQueueCommands } from './commands/queue.js';
import { registerRunCommands } from './commands/run.js';
import { registerServerCommands } from './commands/server.js';

export function createProgram(): Command {
  const program = new Command('tminus')
    .description('Self-hosted launch system for ML jobs: W&B Launch’s API, no cloud account.')
    .version(TMINUS_VERSION)
    .option('--debug', 'print stack traces (env TMINUS_DEBUG=1)')
    .option(
      '--base-url <url>',
      'server URL (env TMINUS_BASE_URL; default from ~/.config/tminus/config.json)',
    )
    .option('--api-key <key>', 'API key (env TMINUS_API_KEY)')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Start here:
  npm start                  # = tminus up: server + local agent, writes the CLI config
  tminus job create code examples/linear-regression -p demo -n linear-regression -E "python3 train.py"
  tminus launch -j <entity>/demo/linear-regression:latest -q default -c '{"overrides":{"run_config":{"lr":0.05}}}'
`,
    );
  registerServerCommands(program);
  registerAgentCommands(program);
  registerLaunchCommand(program);
  registerJobCommands(program);
  registerRunCommands(program);
  registerQueueCommands(program);
  registerAccessCommands(program);
  registerOperateCommands(program);
  program.exitOverride();
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}
