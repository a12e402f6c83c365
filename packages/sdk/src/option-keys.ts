/**
 * @module Unknown option keys are an error, not silently ignored: a W&B user who writes
 * `launchAdd({ queue_name: 'gpu' })` must hear "did you mean queueName?", not find the run on the
 * `default` queue. Pure.
 */
import { invalidArgument } from './errors.js';

/** `queue_name` → `queueName`. */
const camelCase = (key: string) => key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** Levenshtein distance, for "did you mean" on a typo. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_v, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(
        row[j]! + 1,
        next[j - 1]! + 1,
        row[j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
    row = next;
  }
  return row[b.length]!;
}

/** The known key meant by `key`, if one is close: its camelCase spelling, or a near typo. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const camel = camelCase(key);
  if (known.includes(camel)) return camel;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 4)) + 1;
  for (const candidate of known) {
    const d = distance(camel, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Throws an INVALID_ARGUMENT `LaunchError` naming the first key of `options` not in `known`. */
export function checkOptionKeys(fn: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const meant = closestKey(key, known);
    throw invalidArgument(
      `${fn}() has no option "${key}"${meant === undefined ? '' : `; did you mean ${meant}?`}`,
      `Options are W&B's parameters in camelCase: ${known.join(', ')}.`,
      { option: key, ...(meant === undefined ? {} : { didYouMean: meant }) },
    );
  }
}
