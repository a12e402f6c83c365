/**
 * @module W&B's two-letter short options. `wandb launch` takes `-rg` (`--repository`) and `-pq`
 * (`--project-queue`); commander's short options are one letter, so it would read `-rg x` as `-r g`
 * plus a stray argument ("too many arguments"). Before commander parses, those tokens of the
 * `launch` command are rewritten to their long forms (pure).
 */

const TWO_LETTER: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  launch: { '-rg': '--repository', '-pq': '--project-queue' },
};

/** Global options that take a value (the token after them is not the command). */
const GLOBAL_WITH_VALUE = new Set(['--base-url', '--api-key']);

/** `argv` (node, script, args…) with the command's two-letter options in their long form. */
export function expandTwoLetterOptions(argv: readonly string[]): string[] {
  const out = [...argv];
  let at = 2;
  while (at < out.length && out[at]!.startsWith('-')) at += GLOBAL_WITH_VALUE.has(out[at]!) ? 2 : 1;
  const options = TWO_LETTER[out[at] ?? ''];
  if (options === undefined) return out;
  for (let i = at + 1; i < out.length && out[i] !== '--'; i++) {
    const token = out[i]!;
    const eq = token.indexOf('=');
    const flag = eq === -1 ? token : token.slice(0, eq);
    const long = options[flag];
    if (long !== undefined) out[i] = eq === -1 ? long : `${long}${token.slice(eq)}`;
  }
  return out;
}
