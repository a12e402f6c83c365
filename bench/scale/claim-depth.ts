/**
 * Part 1 of the scale bench: claim latency against queue depth. One seeded server per depth, all up
 * at once, one `claim` (`waitMs: 0`, an item is always there) on each in turn.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';

import type { Api } from '@tminus/sdk';

import { benchApiKey } from '../server.js';
import { percentile, round } from '../stats.js';
import type { ClaimAtDepth, ScaleResult } from './result.js';
import { dbSizeMb, prepareDataDir, seedPending } from './seed-queue.js';
import { type Processes, startServer } from './servers.js';
import { mb, ms } from './units.js';

/**
 * One server per depth, all up at once, claimed from in turn (depth A, B, C, A, B, C, …): drift in
 * the machine's load hits every depth alike, so the growth ratio does not depend on when each ran.
 */
export async function measureClaimLatency(
  procs: Processes,
  dir: string,
  sizes: { readonly depths: readonly number[]; readonly claims: number; readonly warmup: number },
): Promise<ScaleResult['claim_latency']> {
  const apiKey = benchApiKey();
  const base = join(dir, 'base');
  const { templateId, agentId } = await prepareDataDir(procs, base, apiKey);
  const dataDirs = sizes.depths.map((depth) => join(dir, `pending-${depth}`));
  const seeds = sizes.depths.map((depth, i) => {
    cpSync(base, dataDirs[i]!, { recursive: true });
    const start = performance.now();
    // Warm-up claims come off the top, so the timed claims start at exactly `depth` pending.
    const rows = seedPending(dataDirs[i]!, templateId, depth + sizes.warmup);
    return { rows, ms: ms(start) };
  });
  const servers = await Promise.all(dataDirs.map((d) => startServer(procs, d, apiKey)));
  try {
    const apis = servers.map((s) => s.api);
    await interleavedClaims(apis, agentId, sizes.warmup);
    const latencies = await interleavedClaims(apis, agentId, sizes.claims);
    const byDepth = sizes.depths.map((depth, i): ClaimAtDepth => ({
      pending: depth,
      claims: sizes.claims,
      p50_ms: round(percentile(latencies[i]!, 50), 3),
      p99_ms: round(percentile(latencies[i]!, 99), 3),
      seeded_items: seeds[i]!.rows,
      seed_ms: round(seeds[i]!.ms, 0),
    }));
    const first = byDepth[0]!;
    const last = byDepth.at(-1)!;
    const seeded = seeds.reduce((n, x) => n + x.rows, 0);
    const seedMs = seeds.reduce((n, x) => n + x.ms, 0);
    return {
      by_depth: byDepth,
      growth_ratio_p50: round(last.p50_ms / first.p50_ms),
      growth_ratio_p99: round(last.p99_ms / first.p99_ms),
      seed_items_per_s: round(seeded / (seedMs / 1000), 0),
      db_size_mb: mb(dbSizeMb(dataDirs.at(-1)!)),
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** `rounds` × one claim on each server in turn, each of which must get a lease; ms per HTTP call, by server. */
async function interleavedClaims(
  apis: readonly Api[],
  agentId: string,
  rounds: number,
): Promise<number[][]> {
  const latencies = apis.map((): number[] => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, api] of apis.entries()) {
      const start = performance.now();
      const { lease } = await api.request('claim', {
        params: { id: agentId },
        body: { waitMs: 0 },
      });
      latencies[i]!.push(ms(start));
      if (lease === null)
        throw new Error(`claim ${r + 1} of ${rounds} on ${api.baseUrl} found the queue empty`);
    }
  }
  return latencies;
}
