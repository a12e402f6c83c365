/**
 * @module A `RunPatch` as the columns it sets (pure, shared by the store adapters): one rule for every
 * update of a run, fenced or not. An absent field keeps the column's value; a run's start and finish
 * times, once set, never move (the patch fills them only while they are null).
 */
import type { RunPatch } from './store.js';

/** JSON columns are text in every adapter (one row mapping, rows.ts). */
export const jsonText = (value: unknown): string => JSON.stringify(value ?? null);

/** The columns a patch may set, in the order of `patchValues`. */
export const PATCH_COLUMNS = [
  'state',
  'exit_code',
  'failure',
  'source_commit',
  'config',
  'started_at',
  'finished_at',
  'run_dir',
] as const;
export type PatchColumn = (typeof PATCH_COLUMNS)[number];

/** Set once: a new value fills the column only while it is null. */
const SET_ONCE: ReadonlySet<PatchColumn> = new Set(['started_at', 'finished_at']);

/**
 * The SET clause of a patch. `value(column, index)` names the new value of a column in the dialect's
 * terms (a placeholder, or a column of an input row); `table` qualifies the run's own columns.
 */
export function patchSet(
  value: (column: PatchColumn, index: number) => string,
  table = '',
): string {
  return PATCH_COLUMNS.map((column, index) => {
    const current = `${table}${column}`;
    const next = value(column, index);
    return SET_ONCE.has(column)
      ? `${column} = coalesce(${current}, ${next})`
      : `${column} = coalesce(${next}, ${current})`;
  }).join(', ');
}

/** The new values of a patch, in `PATCH_COLUMNS` order; null keeps the column. */
export function patchValues(patch: RunPatch): (string | number | null)[] {
  return [
    patch.state ?? null,
    patch.exitCode ?? null,
    patch.failure === undefined ? null : jsonText(patch.failure),
    patch.sourceCommit ?? null,
    patch.config === undefined ? null : jsonText(patch.config),
    patch.startedAt ?? null,
    patch.finishedAt ?? null,
    patch.runDir ?? null,
  ];
}
