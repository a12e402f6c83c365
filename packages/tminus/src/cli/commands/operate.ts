/**
 * @module Operator commands: `tminus migrate` and `tminus doctor`.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';

import { cliConfigPath } from '@tminus/sdk';
import type { Command } from 'commander';

import { makeDataDirPrivate } from '../../lib/private-files.js';
import { copySqliteToPostgres } from '../../store/copy-sqlite-to-postgres.js';
import { examples, printJson, say } from '../output.js';
import { privateCliConfig, privateDataDir } from './privacy-checks.js';
import { defaultDataDir } from '../../lib/defaults.js';
import { openStore } from '../../store/open-store.js';

interface StoreFlags {
  dataDir?: string;
  database?: string;
  json?: boolean;
}

function dataDirOf(flags: StoreFlags): string {
  return flags.dataDir ?? defaultDataDir();
}

function openStoreOf(flags: StoreFlags, max?: number) {
  return openStore({
    database: flags.database ?? process.env.TMINUS_DATABASE_URL,
    dataDir: dataDirOf(flags),
    ...(max === undefined ? {} : { max }),
  });
}

function withStoreOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'SQLite data dir (env TMINUS_DATA_DIR; default ~/.tminus)')
    .option('--database <url>', 'postgres://… instead of SQLite (env TMINUS_DATABASE_URL)')
    .option('--json', 'JSON output');
}

export function registerOperateCommands(program: Command): void {
  withStoreOptions(program.command('migrate'))
    .description(
      'Apply pending database migrations to the SQLite data dir or the PostgreSQL database. Servers also do this when they start, under a lock; run it ahead of an upgrade to see failures before any server restarts.',
    )
    .addHelpText(
      'after',
      examples(
        'tminus migrate --data-dir ~/.tminus',
        'tminus migrate --database postgres://postgres@db:5432/tminus',
      ),
    )
    .action(async (flags: StoreFlags) => {
      const { store, where } = await openStoreOf(flags, 2);
      try {
        await store.migrate();
      } finally {
        await store.close();
      }
      makeDataDirPrivate(dataDirOf(flags)); // as a server start does
      if (flags.json) printJson({ migrated: true, database: where });
      else say(`migrations applied: ${where}`);
    });

  program
    .command('copy-to-postgres')
    .description(
      'One-shot copy of a SQLite install (queues, jobs, runs, logs, keys, code snapshots) into an empty PostgreSQL database. Stop the server first.',
    )
    .requiredOption('--to <url>', 'postgres://… of an empty database')
    .option(
      '--data-dir <dir>',
      'the SQLite data dir to copy (env TMINUS_DATA_DIR; default ~/.tminus)',
    )
    .option('--json', 'JSON output')
    .addHelpText(
      'after',
      examples(
        'tminus copy-to-postgres --data-dir ~/.tminus --to postgres://postgres@db:5432/tminus',
        'tminus server --database postgres://postgres@db:5432/tminus',
      ),
    )
    .action(async (flags: { to: string; dataDir?: string; json?: boolean }) => {
      const report = await copySqliteToPostgres(
        dataDirOf(flags),
        flags.to,
        flags.json ? undefined : (line) => say(`  ${line}`),
      );
      if (flags.json) printJson(report);
      else
        say(
          `copied into PostgreSQL; start servers with --database ${flags.to.replace(/\/\/[^@/]*@/, '//***@')}`,
        );
    });

  withStoreOptions(program.command('doctor'))
    .description(
      'Check what a server and a local agent need: the database reachable and migrated, the data dir writable, nothing in it nor the CLI config file (it holds an API key) readable or writable by group or others, git and python3 installed. Exits 1 if a check fails, saying how to fix it.',
    )
    .addHelpText(
      'after',
      examples(
        'tminus doctor',
        'tminus doctor --database postgres://postgres@db:5432/tminus --json',
      ),
    )
    .action(async (flags: StoreFlags) => {
      const checks: { check: string; ok: boolean; detail: string }[] = [];
      const add = (check: string, run: () => string) => {
        try {
          checks.push({ check, ok: true, detail: run() });
        } catch (error) {
          checks.push({
            check,
            ok: false,
            detail: error instanceof Error ? error.message.split('\n')[0]! : String(error),
          });
        }
      };
      const dir = dataDirOf(flags);
      add('data dir writable', () => {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        accessSync(dir, constants.W_OK);
        return dir;
      });
      add('data dir private', () => privateDataDir(dir));
      add('CLI config private', () => privateCliConfig(cliConfigPath()));
      try {
        const { store, where } = await openStoreOf(flags, 2);
        try {
          await store.migrate();
          checks.push({
            check: 'database',
            ok: true,
            detail: `${where}: reachable, migrations applied, ${await store.countApiKeys()} API key(s)`,
          });
        } finally {
          await store.close();
        }
      } catch (error) {
        checks.push({
          check: 'database',
          ok: false,
          detail: error instanceof Error ? error.message : String(error),
        });
      }
      add('git', () => execFileSync('git', ['--version'], { encoding: 'utf8' }).trim());
      add('python3', () => execFileSync('python3', ['--version'], { encoding: 'utf8' }).trim());
      if (flags.json) printJson(checks);
      else
        for (const c of checks) say(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.check.padEnd(18)} ${c.detail}`);
      if (checks.some((c) => !c.ok))
        throw new Error(`${checks.filter((c) => !c.ok).length} check(s) failed: see FAIL above`);
    });
}
