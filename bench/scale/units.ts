/** Elapsed time and memory figures as the scale result reports them. */
import { round } from '../stats.js';

/** ms since `since` (a `performance.now()`). */
export const ms = (since: number) => performance.now() - since;
/** MB to one decimal. */
export const mb = (n: number) => round(n, 1);
/** A growth of `deltaMb` spread over `count` things, KB each to one decimal. */
export const kbPer = (deltaMb: number, count: number) => round((deltaMb * 1024) / count, 1);
