/** What Linux /proc says about a process (CPU, RSS) and the machine (busy CPU); null where it is missing. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds a process used itself, and those of its children it has reaped. */
export interface ProcessCpu {
  readonly self: number;
  readonly children: number;
}

let ticks: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`, 100 if it answers nothing useful), asked once; null without getconf. */
export function clockTicks(): number | null {
  try {
    return (ticks ??=
      Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100);
  } catch {
    return null;
  }
}

/** Own and reaped-children CPU seconds of a process, from /proc/<pid>/stat (null where there is none). */
export function processCpu(pid: number | undefined, ticksPerS: number): ProcessCpu | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    // After "pid (comm) ": state is field 3, so field k is at index k − 3 (utime 14, stime 15, cutime 16, cstime 17).
    const [utime, stime, cutime, cstime] = [fields[11], fields[12], fields[13], fields[14]];
    if (utime === undefined || stime === undefined || cutime === undefined || cstime === undefined)
      return null;
    return { self: (utime + stime) / ticksPerS, children: (cutime + cstime) / ticksPerS };
  } catch {
    return null;
  }
}

/** Busy CPU seconds of the whole machine since boot, all cores (/proc/stat), or null. */
export function machineBusySeconds(ticksPerS: number): number | null {
  try {
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = readFileSync(
      '/proc/stat',
      'utf8',
    )
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return (user + nice + system + irq + softirq + steal) / ticksPerS;
  } catch {
    return null;
  }
}

/** Resident memory of a process (VmRSS in /proc/<pid>/status), MB; throws where there is none. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) / 1024;
}

/**
 * CPU seconds used so far by every process named `comm` (e.g. `postgres`: the server's backends and
 * background workers), or null without /proc. A process that exits between two readings takes its
 * CPU with it, so compare readings of a phase in which those processes live throughout.
 */
export function commCpuSeconds(comm: string, ticksPerS: number): number | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return null;
  }
  let total = 0;
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== comm) continue;
      const cpu = processCpu(Number(pid), ticksPerS);
      if (cpu !== null) total += cpu.self;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}
