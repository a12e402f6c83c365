import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';

import { createProgram } from './program.js';

/** Every command under the program, as `tminus run logs`-style paths. */
function allCommands(command: Command, path: string[] = []): [string, Command][] {
  return command.commands.flatMap((sub) => {
    const subPath = [...path, sub.name()];
    return [[subPath.join(' '), sub] as [string, Command], ...allCommands(sub, subPath)];
  });
}

/** What `tminus <path> --help` prints, including the text added after the options. */
function helpOf(command: Command): string {
  let out = '';
  command.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  command.outputHelp();
  return out;
}

const commands = allCommands(createProgram());

describe('--help', () => {
  it('covers the commands of the brief', () => {
    const names = commands.map(([name]) => name);
    for (const name of [
      'server',
      'up',
      'agent',
      'launch-agent',
      'launch',
      'job create',
      'job list',
      'job describe',
      'run list',
      'run show',
      'run logs',
      'run wait',
      'run cancel',
      'queue list',
      'queue create',
      'queue describe',
    ]) {
      expect(names).toContain(name);
    }
  });

  it.each(commands)('tminus %s --help has a description and an example', (name, command) => {
    const help = helpOf(command);
    expect(command.description().length, `${name}: description`).toBeGreaterThan(20);
    expect(help).toMatch(/\nExamples?:\n {2}(tminus|TMINUS_)/);
  });

  it.each(
    commands.filter(([name]) => /^(job (list|describe|create)|run |queue |agent$)/.test(name)),
  )('tminus %s has --json', (_name, command) => {
    expect(command.options.map((o) => o.long)).toContain('--json');
  });
});
