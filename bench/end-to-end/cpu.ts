/**
 * CPU accounting of the end-to-end bench (Linux /proc; null elsewhere): what the server, the agents,
 * their programs and this client used in a phase, and what the rest of the machine used meanwhile.
 */
import { availableParallelism } from 'node:os';

import { clockTicks, machineBusySeconds, processCpu, type ProcessCpu } from '../proc.js';
import { round } from '../stats.js';
import type { EndToEndResult } from './result.js';

/** CPU seconds so far: the machine's busy time, this process (and what it reaped: the shell loops), the server, each agent. */
export interface CpuSample {
  readonly machine: number | null;
  readonly self: ProcessCpu | null;
  readonly client: number;
  readonly server: ProcessCpu | null;
  readonly agents: (ProcessCpu | null)[];
}

/** A sampler of the benchmark's own processes and of the whole machine, to tell machine noise apart. */
export function cpuProbe(
  serverPid: number | undefined,
  agentPids: readonly (number | undefined)[],
): () => CpuSample {
  const ticks = clockTicks() ?? 100;
  return () => {
    const own = process.cpuUsage();
    return {
      machine: machineBusySeconds(ticks),
      self: processCpu(process.pid, ticks),
      client: (own.user + own.system) / 1e6,
      server: processCpu(serverPid, ticks),
      agents: agentPids.map((pid) => processCpu(pid, ticks)),
    };
  };
}

/** Machine busy time in the interval minus this benchmark's part of it (null without /proc). */
function otherLoad(a: CpuSample, b: CpuSample, ours: number | null): number | null {
  return a.machine === null || b.machine === null || ours === null
    ? null
    : Math.max(0, b.machine - a.machine - ours);
}

/** The rest of the machine's CPU during a shell loop: ours is this client and what it reaped (the loop). */
export function shellOtherLoad(a: CpuSample, b: CpuSample): number | null {
  const ours = a.self && b.self && b.self.children - a.self.children + b.client - a.client;
  return otherLoad(a, b, ours);
}

/** CPU the tminus phase used (`cpu_s`, over `wallS` seconds), and the rest of the machine's meanwhile; both null without /proc. */
export function tminusCpu(
  before: CpuSample,
  after: CpuSample,
  wallS: number,
): { cpu: EndToEndResult['cpu_s']; other: number | null } {
  const procs = (p: CpuSample) =>
    p.server === null || p.agents.some((a) => a === null)
      ? null
      : { server: p.server, agents: p.agents.filter((a) => a !== null) };
  const b = procs(before);
  const a = procs(after);
  if (!b || !a) return { cpu: null, other: null };
  const sum = (xs: ProcessCpu[], key: 'self' | 'children') =>
    xs.reduce((total, x) => total + x[key], 0);
  const used = {
    server: a.server.self - b.server.self,
    agents: sum(a.agents, 'self') - sum(b.agents, 'self'),
    programs: sum(a.agents, 'children') - sum(b.agents, 'children'),
    client: after.client - before.client,
  };
  return {
    cpu: {
      server: round(used.server),
      agents: round(used.agents),
      programs: round(used.programs),
      client: round(used.client),
      available: round(wallS * availableParallelism()),
    },
    other: otherLoad(before, after, used.server + used.agents + used.programs + used.client),
  };
}
