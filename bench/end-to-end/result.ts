/** The result document of the end-to-end bench (`measureEndToEnd`): tminus against a shell loop, wall time and CPU. */

export interface EndToEndResult {
  readonly runs: number;
  readonly agents: number;
  readonly max_jobs: number;
  /** agents × max_jobs, and the shell loop's `xargs -P`. */
  readonly parallelism: number;
  readonly program: string;
  /** One run of the program alone (median of a few sequential bare spawns). */
  readonly program_alone_ms: number;
  /** First `launchAdd` → last `waitUntilFinished` resolved. */
  readonly tminus_wall_s: number;
  /** First `launchAdd` → last `launchAdd` answered (16 clients), inside `tminus_wall_s`. */
  readonly enqueue_s: number;
  /** The mean of the shell loop before and after the tminus run. */
  readonly shell_wall_s: number;
  readonly shell_wall_before_s: number;
  readonly shell_wall_after_s: number;
  readonly shell_basis: 'mean of before and after';
  readonly ratio: number;
  readonly runs_per_s: number;
  readonly shell_runs_per_s: number;
  /** (tminus_wall − shell_wall) × parallelism / runs: the slot time tminus adds to each run. */
  readonly overhead_per_run_ms: number;
  /** Server-side `startedAt → finishedAt` of the timed runs. */
  readonly run_p50_ms: number;
  readonly run_p99_ms: number;
  /**
   * CPU seconds spent during the timed phase (Linux /proc; null elsewhere): the server process, the
   * 4 agent processes themselves, the programs they ran (their reaped children), and this client.
   * The machine had `wall × cores` to give.
   */
  readonly cpu_s: {
    server: number;
    agents: number;
    programs: number;
    client: number;
    available: number;
  } | null;
  /** The same per run (ms): what tminus itself (server + agents + client) costs beside the program. */
  readonly cpu_ms_per_run: { tminus: number; program: number } | null;
  /**
   * CPU seconds the rest of the machine (anything but this benchmark's processes) used during each
   * timed phase: ≈0 on a quiet machine; large values mean the comparison was disturbed.
   */
  readonly other_load_cpu_s: { shell_before: number; tminus: number; shell_after: number } | null;
}
