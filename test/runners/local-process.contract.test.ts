/**
 * The runner contract on the local-process runner: programs on this machine, in process groups.
 */
import { readdirSync, readFileSync } from 'node:fs';

import { localProcessRunner } from '../../packages/tminus/src/runners/local-process/local-process-runner.js';
import { describeRunnerContract } from '../helpers/runner-contract.js';

/**
 * Whether any live process is in the group: read from /proc, since a killed process whose parent is
 * gone may linger as a zombie (still "there" for kill(pid, 0)) until something reaps it.
 */
function groupAlive(pgid: number): boolean {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Fields after the command (which may hold spaces and parentheses): state, ppid, pgrp, …
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
    } catch {
      // Gone while we looked.
    }
  }
  return false;
}

describeRunnerContract('local-process', () => ({
  runner: () => localProcessRunner,
  isRunning: (ref) => Promise.resolve(groupAlive(Number(ref.id))),
}));
