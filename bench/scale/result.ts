/** The result document of the scale bench (`measureScale`): what each of its three parts reports. */

export interface ClaimAtDepth {
  /** Pending items in the queue when the timed claims began (each claim takes one: `claims` fewer at the end). */
  readonly pending: number;
  readonly claims: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  /** Rows written into the database to reach this depth, and how long that took. */
  readonly seeded_items: number;
  readonly seed_ms: number;
}

export interface WaitersResult {
  readonly waiters: number;
  readonly rss_mb: number;
  /** (rss_mb − rss_after_mb) / waiters. */
  readonly per_waiter_kb: number;
}

export interface ScaleResult {
  readonly mode: 'quick' | 'full';
  /** The headline of part 1: claim p50 at the largest depth / at 1,000 pending (= claim_latency.growth_ratio_p50). Target ≤ 2. */
  readonly claim_growth_ratio: number;
  readonly claim_latency: {
    readonly by_depth: ClaimAtDepth[];
    /** p50 at the largest depth / p50 at the smallest (1,000). Target ≤ 2. */
    readonly growth_ratio_p50: number;
    readonly growth_ratio_p99: number;
    readonly seed_items_per_s: number;
    /** The database file (and its WAL) at the largest depth. */
    readonly db_size_mb: number;
  };
  readonly idle_agents: {
    readonly agents: number;
    /** After warm-up, no poll open. */
    readonly rss_idle_mb: number;
    /** Every agent's claim long-poll open on the server. Target < 300. */
    readonly rss_1000_agents_mb: number;
    readonly per_agent_kb: number;
    /** `launchAdd` called → a poll holds the lease (ms), with one agent waiting and with all of them. */
    readonly dispatch_samples: number;
    readonly dispatch_1_agent_p50_ms: number;
    readonly dispatch_1_agent_p99_ms: number;
    readonly dispatch_1000_agents_p50_ms: number;
    readonly dispatch_1000_agents_p99_ms: number;
    /** Server CPU per dispatched item (enqueue, claim, fail), with one waiter and with all of them. */
    readonly server_cpu_ms_per_dispatch_1_agent: number | null;
    readonly server_cpu_ms_per_dispatch_1000_agents: number | null;
    /** Seconds from the first poll sent to all of them registered on the server. */
    readonly polls_open_s: number;
  };
  readonly running_runs: {
    readonly runs: number;
    readonly agents: number;
    readonly heartbeat_ms: number;
    /** Claim + ack + `running` of every run, with all agents at once (seconds). */
    readonly start_all_s: number;
    /** After warm-up, the runs pending (in the database, not yet claimed). */
    readonly rss_before_mb: number;
    /** Every run `running`, its lease kept alive by heartbeats. */
    readonly rss_after_mb: number;
    /** (after − before) / runs. Target < 100. */
    readonly per_run_kb: number;
    /** Leases reported lost in heartbeat answers (should be 0). */
    readonly lost_leases: number;
    /** Heartbeat round trip (ms) carrying runs / agents runs each. */
    readonly heartbeat_p50_ms: number;
    /** The database file and its WAL, every run running. */
    readonly db_size_mb: number;
    /** The same, plus one `waitForRunEnd` long-poll open per run (what a user's script holds); full mode only. */
    readonly with_waiters: WaitersResult | { readonly skipped: string };
  };
  readonly total_s: number;
}
