/**
 * @module A file per live run (`<workDir>/.journal/<runId>.json`: run, token, the runner's reference
 * to its program, agent pid), so that an agent restarted on the same machine can find runs its dead
 * predecessor left: the runner re-attaches to the program when its engine allows it (a container),
 * else stops it and the run is reported `crashed` (reason `agent_restarted`) — never left `running`.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ProgramRef } from '../runners/runner.js';
import { journalFilePath, runIdProblem } from './work-paths.js';

export interface JournalEntry {
  readonly runId: string;
  readonly fencingToken: string;
  readonly ref: ProgramRef;
  readonly agentPid: number;
}

/** Entries written before the runner seam named a process group as `pid`. */
function entryOf(raw: unknown): JournalEntry {
  const entry = raw as Partial<JournalEntry> & { pid?: number };
  const ref = entry.ref ?? { resource: 'local-process', id: String(entry.pid) };
  if (typeof entry.runId !== 'string' || runIdProblem(entry.runId) !== undefined)
    throw new Error('not a journal entry');
  if (typeof ref.resource !== 'string' || typeof ref.id !== 'string')
    throw new Error('not a journal entry');
  return {
    runId: entry.runId,
    fencingToken: String(entry.fencingToken),
    ref,
    agentPid: Number(entry.agentPid),
  };
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
        const entry = entryOf(JSON.parse(readFileSync(join(this.#dir, name), 'utf8')));
        if (!alive(entry.agentPid) || entry.agentPid === process.pid) out.push(entry);
      } catch {
        rmSync(join(this.#dir, name), { force: true });
      }
    }
    return out;
  }
}
