/**
 * @module A file per live run (`<workDir>/.journal/<runId>.json`: run, token, process group, agent
 * pid), so that an agent restarted on the same machine can find runs its dead predecessor left:
 * their process groups are killed and the runs reported `crashed` (reason `agent_restarted`) —
 * never left `running` forever. Output pipes of a dead agent's children cannot be re-attached.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { journalFilePath, runIdProblem } from './work-paths.js';

export interface JournalEntry {
  readonly runId: string;
  readonly fencingToken: string;
  readonly pid: number;
  readonly agentPid: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RunJournal {
  readonly #dir: string;

  constructor(workDir: string) {
    this.#dir = join(workDir, '.journal');
    // It holds runs' tokens: the agent's alone, even when runs may enter the work dir.
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    chmodSync(this.#dir, 0o700);
  }

  record(entry: Omit<JournalEntry, 'agentPid'>): void {
    writeFileSync(
      journalFilePath(this.#dir, entry.runId),
      JSON.stringify({ ...entry, agentPid: process.pid }),
      { mode: 0o600 },
    );
  }

  forget(runId: string): void {
    rmSync(journalFilePath(this.#dir, runId), { force: true });
  }

  /** Entries whose agent process is gone (other live agents sharing the dir are left alone). */
  orphans(): JournalEntry[] {
    const out: JournalEntry[] = [];
    for (const name of readdirSync(this.#dir)) {
      try {
        const entry = JSON.parse(readFileSync(join(this.#dir, name), 'utf8')) as JournalEntry;
        if (runIdProblem(entry.runId) !== undefined) throw new Error('not a journal entry');
        if (!alive(entry.agentPid) || entry.agentPid === process.pid) out.push(entry);
      } catch {
        rmSync(join(this.#dir, name), { force: true });
      }
    }
    return out;
  }
}

/** Kills an orphan's process group. */
export function killOrphan(entry: JournalEntry): void {
  try {
    process.kill(-entry.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
