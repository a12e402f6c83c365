import { Resource, type TemplateVariableSchema } from '@tminus/sdk/protocol';
import type { Command } from 'commander';

import { apiOf } from '../context.js';
import { examples, printJson, printTable, say } from '../output.js';
import { parseInteger, parseJsonOrFile } from '../parse.js';
import { UsageError } from '../usage-error.js';

interface CreateFlags {
  entity?: string;
  resource: string;
  config?: string;
  templateVariables?: string;
  prioritization: string;
  maxAttempts: string;
  json?: boolean;
}

export function registerQueueCommands(program: Command): void {
  const queue = program
    .command('queue')
    .description(
      'List, create and describe run queues: where launched runs wait until an agent polling that queue takes them.',
    )
    .addHelpText(
      'after',
      examples(
        'tminus queue list',
        'tminus queue create gpu --prioritization on',
        'tminus queue describe default',
      ),
    );

  queue
    .command('list')
    .option('-e, --entity <entity>', 'entity')
    .option('--json', 'JSON output')
    .description(
      'List the queues of an entity (default: your key’s entity) with their resource, prioritization and attempts per run.',
    )
    .addHelpText('after', examples('tminus queue list', 'tminus queue list -e my-team --json'))
    .action(async (flags: { entity?: string; json?: boolean }, command: Command) => {
      const { items } = await apiOf(command).request('listQueues', {
        query: { entity: flags.entity },
      });
      if (flags.json) return printJson(items);
      printTable(
        ['QUEUE', 'ENTITY', 'RESOURCE', 'PRIORITIZATION', 'MAX ATTEMPTS'],
        items.map((q) => [
          q.name,
          q.entity,
          q.resource,
          q.prioritization ? 'on' : 'off',
          q.maxAttempts,
        ]),
      );
    });

  queue
    .command('create')
    .description(
      'Create a queue: the resource its runs use, a default resource config whose values may be {{template variables}}, the schemas launches must fill those variables in with (--set-var), whether priorities are honoured, and how many attempts a run gets when its agent is lost or its engine takes it away.',
    )
    .argument('<name>', 'queue name')
    .option('-e, --entity <entity>', 'owning entity')
    .option('--resource <resource>', `one of ${Resource.options.join(', ')}`, 'local-process')
    .option('--config <json-or-file>', 'default resource config (may contain {{var}} placeholders)')
    .option(
      '--template-variables <json-or-file>',
      'schemas: {"gpus": {"type": "integer", "minimum": 0, "maximum": 8}}',
    )
    .option(
      '--prioritization <on|off>',
      'on: launches may set a priority (-P critical|high|medium|low; lower runs first); off: every run is medium and FIFO (W&B’s and the API’s default)',
      'off',
    )
    .option(
      '--max-attempts <n>',
      'attempts per run when its agent is lost or its engine takes it away (a Slurm job preempted, its node failed)',
      '1',
    )
    .option('--json', 'JSON output')
    .addHelpText(
      'after',
      examples(
        'tminus queue create gpu --config queue.yaml --template-variables vars.json --prioritization on',
      ),
    )
    .action(async (name: string, flags: CreateFlags, command: Command) => {
      const resource = Resource.safeParse(flags.resource);
      if (!resource.success)
        throw new UsageError(`--resource must be one of ${Resource.options.join(', ')}`);
      if (flags.prioritization !== 'on' && flags.prioritization !== 'off')
        throw new UsageError('--prioritization must be on or off');
      const created = await apiOf(command).request('createQueue', {
        body: {
          name,
          resource: resource.data,
          prioritization: flags.prioritization === 'on',
          maxAttempts: parseInteger(flags.maxAttempts, '--max-attempts', 1),
          ...(flags.entity === undefined ? {} : { entity: flags.entity }),
          ...(flags.config === undefined
            ? {}
            : { config: parseJsonOrFile(flags.config, 'config') }),
          ...(flags.templateVariables === undefined
            ? {}
            : {
                templateVariables: parseJsonOrFile(
                  flags.templateVariables,
                  'template-variables',
                ) as Record<string, TemplateVariableSchema>,
              }),
        },
      });
      if (flags.json) printJson(created);
      else say(`Created queue ${created.entity}/${created.name} (${created.resource})`);
    });

  queue
    .command('describe')
    .description(
      'Show a queue: its resource, prioritization, attempts per run, default resource config and template variable schemas.',
    )
    .addHelpText(
      'after',
      examples('tminus queue describe default', 'tminus queue describe gpu -e my-team --json'),
    )
    .argument('<name>', 'queue name')
    .option('-e, --entity <entity>', 'owning entity')
    .option('--json', 'JSON output')
    .action(async (name: string, flags: { entity?: string; json?: boolean }, command: Command) => {
      const api = apiOf(command);
      const entity = flags.entity ?? (await api.request('whoami', {})).entity;
      const q = await api.request('getQueue', { params: { entity, name } });
      if (flags.json) return printJson(q);
      say(
        `queue ${q.entity}/${q.name}  resource ${q.resource}  prioritization ${q.prioritization ? 'on' : 'off'}  max attempts ${q.maxAttempts}`,
      );
      say(`config:             ${JSON.stringify(q.config)}`);
      say(`template variables: ${JSON.stringify(q.templateVariables)}`);
    });
}
