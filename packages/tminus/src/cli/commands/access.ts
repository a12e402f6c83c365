/**
 * @module `tminus whoami`, `tminus user …`, `tminus team …`, `tminus key …`: who may do what. A new key
 * is printed once (with `--json` as `{"apiKey": …}`); the server keeps only its hash.
 */
import { Role } from '@tminus/sdk/protocol';
import type { Command } from 'commander';

import { apiOf, collect } from '../context.js';
import { examples, printJson, printTable, say } from '../output.js';
import { UsageError } from '../usage-error.js';

const roleOf = (value: string) => {
  const role = Role.safeParse(value);
  if (!role.success) throw new UsageError(`--role must be one of ${Role.options.join(', ')}`);
  return role.data;
};

/** The one line a new key is shown in: it cannot be shown again. */
function showKey(apiKey: string, what: string, json: boolean | undefined, extra: object = {}) {
  if (json) return printJson({ apiKey, ...extra });
  say(`${what} (shown once; only its hash is stored):`);
  say(`  ${apiKey}`);
}

export function registerAccessCommands(program: Command): void {
  program
    .command('whoami')
    .description(
      'Show what your key is: its kind (user key, agent key, run token), your user, your default entity, the entities you belong to with your role in each, and (agent keys) its queues.',
    )
    .option('--json', 'JSON output')
    .addHelpText('after', examples('tminus whoami', 'tminus whoami --json'))
    .action(async (flags: { json?: boolean }, command: Command) => {
      const who = await apiOf(command).request('whoami', {});
      if (flags.json) return printJson(who);
      say(
        `${who.kind} key "${who.keyName}"${who.user === null ? '' : ` of ${who.user}`}${who.admin ? ' (server admin)' : ''}; default entity ${who.entity}`,
      );
      if (who.queues !== null) say(`queues: ${who.queues.join(', ')}`);
      if (who.memberships.length > 0) {
        printTable(
          ['ENTITY', 'ROLE'],
          who.memberships.map((m) => [m.entity, m.role]),
        );
      }
    });

  const user = program
    .command('user')
    .description(
      'Manage users (server admins): each user gets a personal entity of the same name, with a `default` queue, and a first API key.',
    )
    .addHelpText('after', examples('tminus user create alice', 'tminus user list'));
  user
    .command('create')
    .description(
      'Create a user, their personal entity (with a `default` queue) and their first API key, printed once. --admin makes them a server admin (every entity, user management).',
    )
    .argument('<name>', 'user name (letters, digits, "_", "." and "-"; also the personal entity)')
    .option('--admin', 'server-wide admin')
    .option('--json', 'print {"apiKey": …, "user": …} only')
    .addHelpText(
      'after',
      examples(
        'tminus user create alice',
        'TMINUS_API_KEY=$(tminus user create bob --json | jq -r .apiKey) tminus whoami',
      ),
    )
    .action(async (name: string, flags: { admin?: boolean; json?: boolean }, command: Command) => {
      const created = await apiOf(command).request('createUser', {
        body: { name, admin: flags.admin === true },
      });
      showKey(
        created.apiKey,
        `Created ${created.user.admin ? 'server admin' : 'user'} ${name} with entity ${name} and API key ${created.key.id}`,
        flags.json,
        { user: created.user },
      );
    });
  user
    .command('list')
    .description('List users (server admins).')
    .option('--json', 'JSON output')
    .addHelpText('after', examples('tminus user list', 'tminus user list --json'))
    .action(async (flags: { json?: boolean }, command: Command) => {
      const { items } = await apiOf(command).request('listUsers', {});
      if (flags.json) return printJson(items);
      printTable(
        ['USER', 'SERVER ADMIN', 'CREATED'],
        items.map((u) => [u.name, u.admin ? 'yes' : 'no', u.createdAt]),
      );
    });

  const team = program
    .command('team')
    .description(
      'Teams: entities shared by several users in roles viewer (reads), member (launches and manages its own runs) and admin (queues, members, agent keys).',
    )
    .addHelpText(
      'after',
      examples(
        'tminus team create ml-team',
        'tminus team add ml-team bob --role member',
        'tminus team members ml-team',
      ),
    );
  team
    .command('create')
    .description('Create a team (with a `default` queue); you become its admin.')
    .argument('<team>', 'team name (shares one namespace with user names)')
    .option('--json', 'JSON output')
    .addHelpText('after', examples('tminus team create ml-team'))
    .action(async (name: string, flags: { json?: boolean }, command: Command) => {
      const created = await apiOf(command).request('createTeam', { body: { name } });
      if (flags.json) return printJson(created);
      say(`Created team ${created.name}; you are its admin. Add people with:`);
      say(`  tminus team add ${created.name} USER --role member`);
    });
  team
    .command('add')
    .description(
      'Add a user to a team in a role, or change their role (team admins). A team always keeps one admin.',
    )
    .argument('<team>', 'team name')
    .argument('<user>', 'user name')
    .requiredOption('--role <role>', `one of ${Role.options.join(', ')}`)
    .option('--json', 'JSON output')
    .addHelpText('after', examples('tminus team add ml-team bob --role viewer'))
    .action(
      async (
        entity: string,
        name: string,
        flags: { role: string; json?: boolean },
        command: Command,
      ) => {
        const member = await apiOf(command).request('setMember', {
          params: { entity, user: name },
          body: { role: roleOf(flags.role) },
        });
        if (flags.json) return printJson(member);
        say(`${member.user} is now ${member.role} of ${entity}`);
      },
    );
  team
    .command('remove')
    .description('Remove a user from a team (team admins).')
    .argument('<team>', 'team name')
    .argument('<user>', 'user name')
    .option('--json', 'JSON output')
    .addHelpText('after', examples('tminus team remove ml-team bob'))
    .action(async (entity: string, name: string, flags: { json?: boolean }, command: Command) => {
      const { deleted } = await apiOf(command).request('removeMember', {
        params: { entity, user: name },
      });
      if (flags.json) return printJson({ deleted });
      say(deleted ? `Removed ${name} from ${entity}` : `${name} was not a member of ${entity}`);
    });
  team
    .command('members')
    .description('List the members of a team and their roles.')
    .argument('<team>', 'team name')
    .option('--json', 'JSON output')
    .addHelpText('after', examples('tminus team members ml-team --json'))
    .action(async (entity: string, flags: { json?: boolean }, command: Command) => {
      const { items } = await apiOf(command).request('listMembers', { params: { entity } });
      if (flags.json) return printJson(items);
      printTable(
        ['USER', 'ROLE'],
        items.map((m) => [m.user, m.role]),
      );
    });

  const key = program
    .command('key')
    .description(
      'API keys: create one for yourself, or an agent key that may only serve some queues of one entity; list them (prefixes only); revoke them (refused from the next request on).',
    )
    .addHelpText(
      'after',
      examples(
        'tminus key create --name laptop',
        'tminus key create --agent --entity ml-team --queue gpu --queue default --name rack-3',
        'tminus key list',
        'tminus key revoke key_mhz8w2k1c4f0a9e7b3d1',
      ),
    );
  key
    .command('create')
    .description(
      'Create an API key, printed once. Plain: a key that acts as you. --agent: a key for `tminus agent` that can register, claim, acknowledge, heartbeat and report runs of the given queues of one entity and nothing else (needs the admin role in that entity).',
    )
    .option('--agent', 'an agent key (give --queue at least once)')
    .option(
      '-e, --entity <entity>',
      'with --agent: the entity whose queues it serves (default: yours)',
    )
    .option('-q, --queue <queue>', 'with --agent: a queue it may serve (repeatable)', collect)
    .option('--name <name>', 'a label to tell keys apart in `tminus key list`')
    .option('--json', 'print {"apiKey": …, "key": …} only')
    .addHelpText(
      'after',
      examples(
        'tminus key create --name laptop',
        'tminus key create --agent --entity ml-team --queue gpu --name rack-3 --json',
      ),
    )
    .action(
      async (
        flags: {
          agent?: boolean;
          entity?: string;
          queue?: string[];
          name?: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        if (!flags.agent && (flags.queue !== undefined || flags.entity !== undefined)) {
          throw new UsageError('--queue and --entity are for agent keys', 'Add --agent.');
        }
        if (flags.agent && (flags.queue ?? []).length === 0) {
          throw new UsageError(
            'An agent key needs at least one --queue',
            'e.g. tminus key create --agent --queue default',
          );
        }
        const name = flags.name === undefined ? {} : { name: flags.name };
        const created = await apiOf(command).request('createKey', {
          body: flags.agent
            ? {
                kind: 'agent',
                queues: flags.queue ?? [],
                ...name,
                ...(flags.entity === undefined ? {} : { entity: flags.entity }),
              }
            : { kind: 'user', ...name },
        });
        const scope =
          created.key.kind === 'agent'
            ? `agent key ${created.key.id} for ${created.key.entity}: ${(created.key.queues ?? []).join(', ')}`
            : `API key ${created.key.id}`;
        showKey(created.apiKey, `Created ${scope}`, flags.json, { key: created.key });
      },
    );
  key
    .command('list')
    .description(
      'List your keys and the agent keys of entities you administer (all keys for server admins): id, kind, first characters, scope, created, revoked.',
    )
    .option('--json', 'JSON output')
    .addHelpText('after', examples('tminus key list', 'tminus key list --json'))
    .action(async (flags: { json?: boolean }, command: Command) => {
      const { items } = await apiOf(command).request('listKeys', {});
      if (flags.json) return printJson(items);
      printTable(
        ['ID', 'NAME', 'KIND', 'PREFIX', 'USER', 'ENTITY', 'QUEUES', 'CREATED', 'REVOKED'],
        items.map((k) => [
          k.id,
          k.name,
          k.kind,
          k.prefix === '' ? '-' : `${k.prefix}…`,
          k.user,
          k.entity,
          k.queues?.join(',') ?? '-',
          k.createdAt,
          k.revokedAt,
        ]),
      );
    });
  key
    .command('revoke')
    .description(
      'Revoke a key: every request with it is refused from the next one on. Yours, agent keys of entities you administer, or any (server admins).',
    )
    .argument('<id>', 'key id (from `tminus key list`)')
    .option('--json', 'JSON output')
    .addHelpText('after', examples('tminus key revoke key_mhz8w2k1c4f0a9e7b3d1'))
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      const { revoked } = await apiOf(command).request('revokeKey', { params: { id } });
      if (flags.json) return printJson({ id, revoked });
      say(revoked ? `Revoked ${id}` : `${id} was already revoked`);
    });
}
