import * as z from 'zod';

/** A JSON object with unknown values (run config, resource args, summaries). */
export const JsonObject = z.record(z.string(), z.unknown());
export type JsonObject = z.infer<typeof JsonObject>;

/** ISO-8601 timestamp as sent on the wire. */
export const Timestamp = z.string();

/** Entity, project, queue and job names: what W&B allows in artifact names, 1–64 characters. */
export const Name = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9_.-]+$/, 'may contain only letters, digits, "_", "." and "-"');

/** W&B run ids: 8 characters `[a-z0-9]` when generated; user-given ids may be longer. */
export const RunId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, "_" and "-"');

/**
 * Ids the server makes (`qi_…`, `ag_…`, `key_…`) and the ones users may give runs: what a path
 * segment, a file name or a query parameter can carry without escaping, 1–128 characters.
 */
export const ObjectId = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, "_" and "-"');

/** A content address of a blob: `sha256:` and 64 lowercase hex digits. */
export const Digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 hex digits>');

/** A fencing token as the server hands it out (opaque; bounded so it cannot carry a payload). */
export const FencingToken = z.string().min(1).max(256);

/** Priority levels as W&B's CLI maps them: lower runs first. */
export const Priority = {
  critical: 0,
  high: 1,
  medium: 2,
  low: 3,
} as const;
export type PriorityName = keyof typeof Priority;
export const DEFAULT_PRIORITY = Priority.medium;
export const PriorityValue = z.number().int().min(0).max(3);

/** A page of results with an opaque cursor for the next page. */
export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
