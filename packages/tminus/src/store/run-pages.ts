/**
 * @module Pages of `Store.listRuns` (pure, shared by the store adapters): the cursor is the `seq` of
 * the last run of the previous page, and a page goes on strictly below it, newest first. Checked here
 * so that a cursor no adapter made is refused the same way by every adapter, before it reaches SQL.
 */
import { LaunchError } from '@tminus/sdk';

/** The `seq` a page starts below; null for the first page. Throws `INVALID_ARGUMENT` for a made-up cursor. */
export function runCursor(cursor: string | undefined): number | null {
  if (cursor === undefined) return null;
  if (!/^\d{1,15}$/.test(cursor)) {
    throw new LaunchError(
      'INVALID_ARGUMENT',
      `"${cursor}" is not a cursor from a previous page of runs`,
      {
        hint: 'Pass the nextCursor of the previous page unchanged, or omit it to start from the newest run.',
      },
    );
  }
  return Number(cursor);
}

/**
 * What a run's `'/' || job || ':'` must contain to match a job filter (null: no filter). Names hold
 * neither "/" nor ":", so the needle `/train:` matches `e/p/train:v3` but not `e/p/pretrain:v3`, and
 * `/train:v3:` only that version.
 */
export function jobNeedle(job: string | undefined): string | null {
  return job === undefined ? null : `/${job}:`;
}

/**
 * One page from `limit + 1` rows read newest first: the extra row only tells that there is a next
 * page, whose cursor is the last returned row's `seq`.
 */
export function runPage<Row extends { readonly seq: number }, T>(
  rows: readonly Row[],
  limit: number,
  toRun: (row: Row) => T,
): { items: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toRun),
    nextCursor: rows.length > limit && last !== undefined ? String(last.seq) : null,
  };
}
