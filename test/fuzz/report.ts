/**
 * @module The summary of a fuzz run, as the full run prints it.
 */
import type { FuzzServerResult } from './fuzz-server.js';
import { describeFailure, type FuzzTally } from './run-fuzz.js';

const sorted = (counts: Readonly<Record<string, number>>) =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ');

/** Shown even when none came back. */
const CLASSES = { '2xx': 0, '4xx': 0, '5xx': 0 };

function merged(...counts: Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of counts) for (const [k, n] of Object.entries(c)) out[k] = (out[k] ?? 0) + n;
  return out;
}

const sum = (counts: Readonly<Record<string, number>>) =>
  Object.values(counts).reduce((s, n) => s + n, 0);

function formatTally(tally: FuzzTally): string[] {
  const kinds = Object.entries(tally.byKind)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([kind, statuses]) =>
        `      ${kind.padEnd(20)} ${String(sum(statuses)).padStart(6)}  (${sorted(statuses)})`,
    );
  return [
    `  ${tally.phase} phase: ${tally.requests} requests in ${(tally.elapsedMs / 1000).toFixed(1)} s`,
    `    status classes: ${sorted({ ...CLASSES, ...tally.byClass })}`,
    `    status codes:   ${sorted(tally.byStatus)}`,
    `    verdicts:       ${sorted(tally.byVerdict)}`,
    `    credentials:    ${sorted(tally.byCredential)}`,
    `    mutation kinds (count, status codes):`,
    ...kinds,
    `    failures: ${tally.failures.length}`,
    ...tally.failures.slice(0, 20).map((f) => describeFailure(tally.seed, tally.phase, f)),
  ];
}

export function formatResult(result: FuzzServerResult): string {
  const { readOnly, writes } = result;
  const total = readOnly.requests + writes.requests;
  const seconds = (readOnly.elapsedMs + writes.elapsedMs) / 1000;
  return [
    `fuzz on ${result.store}: ${total} requests in ${seconds.toFixed(1)} s, seed ${readOnly.seed}`,
    `  status classes: ${sorted(merged(CLASSES, readOnly.byClass, writes.byClass))}`,
    `  status codes:   ${sorted(merged({}, readOnly.byStatus, writes.byStatus))}`,
    ...formatTally(readOnly),
    `    whoami afterwards: ${result.health.afterReadOnly}`,
    `    data: ${result.dataChanges.length === 0 ? `unchanged (${result.compared} tables and file trees compared)` : `CHANGED: ${result.dataChanges.join('; ')}`}`,
    ...formatTally(writes),
    `    whoami afterwards: ${result.health.afterWrites}`,
    ...result.serverErrors.map(
      (line) => `  server log: ${line.split('\n').slice(0, 6).join('\n    ')}`,
    ),
  ].join('\n');
}

/** Every failure of a result, for an assertion's message. */
export function failuresOf(result: FuzzServerResult): string[] {
  return [result.readOnly, result.writes].flatMap((t) =>
    t.failures.map((f) => describeFailure(t.seed, t.phase, f)),
  );
}
