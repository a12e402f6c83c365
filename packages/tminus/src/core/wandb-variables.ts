/**
 * @module How W&B passes JSON to a launched program in environment variables (pure): one variable
 * when the JSON fits in W&B's limit of 32,670 characters, else `NAME_0 … NAME_N` chunks of that size,
 * which wandb joins back together (`WANDB_CONFIG`, `WANDB_LAUNCH_FILE_OVERRIDES`). The JSON is
 * ASCII-only (non-ASCII escaped as `\uXXXX`, as Python's `json.dumps` writes it), so a chunk boundary
 * never splits a character and a variable's length in characters is its length in bytes.
 */

/** W&B's `MAX_ENV_LENGTHS` default: the longest value of one variable it sets. */
export const WANDB_VARIABLE_LIMIT = 32_670;

/** JSON of `value` with every non-ASCII character escaped (`ensure_ascii`, as W&B's `json.dumps`). */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** `{NAME: json}` when it fits in `limit` characters, else `{NAME_0: …, NAME_1: …}` (W&B's split). */
export function chunkedVariable(
  name: string,
  json: string,
  limit = WANDB_VARIABLE_LIMIT,
): Record<string, string> {
  if (json.length <= limit) return { [name]: json };
  const chunks: Record<string, string> = {};
  for (let i = 0; i * limit < json.length; i++)
    chunks[`${name}_${i}`] = json.slice(i * limit, (i + 1) * limit);
  return chunks;
}

/** Whether `name` is one of the variables `chunkedVariable(base, …)` may set. */
export function isChunkOf(base: string, name: string): boolean {
  return name === base || new RegExp(`^${base}_\\d+$`).test(name);
}
