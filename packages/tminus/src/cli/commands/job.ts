import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

import type { CreateJobResponse, JobSource } from '@tminus/sdk/protocol';
import type { Command } from 'commander';

import { apiOf, collect } from '../context.js';
import { examples, printJson, printTable, say, warn } from '../output.js';
import { packDirectory } from '../pack.js';
import { defaultJobName, shellSplit } from '../parse.js';
import { UsageError } from '../usage-error.js';

interface CreateFlags {
  project?: string;
  entity?: string;
  name?: string;
  entryPoint?: string;
  gitHash?: string;
  alias?: string[];
  description?: string;
  json?: boolean;
}

const ACTION_WORD = {
  created: 'Created job',
  updated: 'Updated job',
  unchanged: 'No changes detected for job',
} as const;

export function registerJobCommands(program: Command): void {
  const job = program
    .command('job')
    .description(
      'Create, list and describe jobs: versioned recipes (a git commit, a code snapshot or an image, plus an entry point) that `tminus launch -j` runs.',
    )
    .addHelpText(
      'after',
      examples(
        'tminus job create code ./train -p demo -E "python3 train.py"',
        'tminus job list -p demo',
        'tminus job describe alice/demo/job-train:latest',
      ),
    );

  job
    .command('create')
    .description(
      'Create a job, or a new version of it, from a git repository (a local one is pinned to its HEAD commit), a code directory (uploaded as a snapshot) or a container image. Prints "Created job", "Updated job" or "No changes detected for job" with its reference.',
    )
    .argument('<type>', 'git | code | image')
    .argument('<path>', 'repository URL or local path | directory | image reference')
    .option(
      '-p, --project <project>',
      'project of the job (env TMINUS_PROJECT)',
      process.env.TMINUS_PROJECT,
    )
    .option('-e, --entity <entity>', 'entity (default: your key’s entity)')
    .option('-n, --name <name>', 'job name (default: job-<repo|dir|image>)')
    .option('-E, --entry-point <command>', 'entry point, e.g. "python3 train.py" (default main.py)')
    .option(
      '-g, --git-hash <ref>',
      'commit (or branch/tag) of a git job; default: HEAD of a local repository',
    )
    .option(
      '-a, --alias <alias>',
      'extra alias (repeatable); latest always moves to the new version',
      collect,
    )
    .option('--description <text>', 'description')
    .option('--json', 'print the job version as JSON')
    .addHelpText(
      'after',
      examples(
        'tminus job create code examples/linear-regression -p demo -n linear-regression -E "python3 train.py"',
        'tminus job create git https://github.com/org/repo.git -p mnist -g main -E "python3 train.py"',
        'tminus job create image ghcr.io/org/trainer:1.2 -p mnist -E "python3 /app/train.py"',
      ),
    )
    .action(async (type: string, path: string, flags: CreateFlags, command: Command) => {
      if (!flags.project)
        throw new UsageError('Missing -p/--project', 'Every job belongs to a project: -p demo');
      if (type !== 'git' && type !== 'code' && type !== 'image')
        throw new UsageError(`Job type must be git, code or image; got "${type}"`);
      const api = apiOf(command);
      let entrypoint = flags.entryPoint === undefined ? undefined : shellSplit(flags.entryPoint);
      if (type !== 'image' && entrypoint === undefined) {
        warn('No entry point given (-E); using main.py');
        entrypoint = ['main.py'];
      }
      let source: JobSource;
      if (type === 'git') {
        source = {
          type: 'git',
          remote: existsSync(path) ? resolve(path) : path,
          entrypoint: entrypoint!,
        };
        const ref = flags.gitHash ?? (existsSync(path) ? gitHead(path) : undefined);
        if (ref !== undefined) {
          if (/^[0-9a-f]{40}$/.test(ref)) source.commit = ref;
          else source.ref = ref;
        }
      } else if (type === 'code') {
        if (!existsSync(path) || !statSync(path).isDirectory())
          throw new UsageError(`Code path ${path} is not a directory`);
        const packed = await packDirectory(path);
        const uploaded = await api.request('uploadBlob', { raw: packed.bytes });
        source = { type: 'code', digest: uploaded.digest, entrypoint: entrypoint! };
      } else {
        source = {
          type: 'image',
          image: path,
          ...(entrypoint === undefined ? {} : { entrypoint }),
        };
      }
      const result: CreateJobResponse = await api.request('createJob', {
        body: {
          project: flags.project,
          name: flags.name ?? defaultJobName(type, path, type !== 'image' && existsSync(path)),
          source,
          ...(flags.entity === undefined ? {} : { entity: flags.entity }),
          ...(flags.alias === undefined ? {} : { aliases: flags.alias }),
          ...(flags.description === undefined ? {} : { description: flags.description }),
        },
      });
      if (flags.json) printJson(result);
      else say(`${ACTION_WORD[result.action]} ${result.job.ref}`);
    });

  job
    .command('list')
    .description(
      'List jobs with their number of versions, their aliases and the kind of source of the latest version.',
    )
    .addHelpText('after', examples('tminus job list -p demo', 'tminus job list --json'))
    .option('-e, --entity <entity>', 'entity')
    .option('-p, --project <project>', 'only this project')
    .option('--json', 'JSON output')
    .action(
      async (flags: { entity?: string; project?: string; json?: boolean }, command: Command) => {
        const { items } = await apiOf(command).request('listJobs', {
          query: { entity: flags.entity, project: flags.project },
        });
        if (flags.json) return printJson(items);
        printTable(
          ['JOB', 'VERSIONS', 'ALIASES', 'SOURCE'],
          items.map((j) => [
            `${j.entity}/${j.project}/${j.name}`,
            j.versions,
            Object.entries(j.aliases)
              .map(([a, v]) => `${a}→${v}`)
              .join(' '),
            j.latest.source.type,
          ]),
        );
      },
    );

  job
    .command('describe')
    .description(
      'Show one job version: its reference, aliases, creation time, source and description. Without :alias, latest is meant.',
    )
    .addHelpText(
      'after',
      examples(
        'tminus job describe alice/demo/linear-regression:latest',
        'tminus job describe alice/demo/linear-regression:v0 --json',
      ),
    )
    .argument('<ref>', '<entity>/<project>/<name>:<alias-or-version>')
    .option('--json', 'JSON output')
    .action(async (ref: string, flags: { json?: boolean }, command: Command) => {
      const version = await apiOf(command).request('resolveJob', { query: { ref } });
      if (flags.json) return printJson(version);
      say(`${version.ref}  (aliases: ${version.aliases.join(', ')})`);
      say(`created:    ${version.createdAt}`);
      say(`source:     ${JSON.stringify(version.source)}`);
      if (version.description) say(`description: ${version.description}`);
    });
}

function gitHead(path: string): string {
  try {
    return execFileSync('git', ['-C', path, 'rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch {
    throw new UsageError(
      `${path} is not a git repository with a commit`,
      'Commit your code first, or pass -g/--git-hash.',
    );
  }
}
