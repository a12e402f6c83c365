/** How wide the end-to-end bench runs: agents × jobs each for tminus, the same `xargs -P` for the shell loop, and its clients. */

export const AGENTS = 4;
export const MAX_JOBS = 8;
/** agents × max_jobs, and the shell loop's `xargs -P`. */
export const PARALLELISM = AGENTS * MAX_JOBS;
/** Concurrent `launchAdd` callers (and log readers). */
export const ENQUEUE_CLIENTS = 16;
/** Concurrent `waitUntilFinished` callers. */
export const WAITERS = 64;
