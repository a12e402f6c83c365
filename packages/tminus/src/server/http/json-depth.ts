/**
 * @module The nesting limit of JSON request bodies, checked on the bytes before `JSON.parse` (and
 * the schemas after it) recurse: a body nested a few thousand levels deep would otherwise overflow
 * the stack (a 500 `RangeError`). One linear pass, counting brackets outside strings.
 */
import { LaunchError } from '@tminus/sdk';

/** Deepest JSON nesting a request body may have (objects and arrays, the outermost counting 1). */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * The deepest nesting in `bytes` (UTF-8 JSON), stopping early once it passes `stopAbove`. Bytes of
 * multi-byte UTF-8 characters are all ≥ 0x80, so they never look like brackets or quotes.
 */
export function jsonDepth(bytes: Uint8Array, stopAbove = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      depth--;
    }
  }
  return deepest;
}

/** Throws `INVALID_ARGUMENT` naming the limit when `bytes` nest deeper than `MAX_JSON_DEPTH`. */
export function assertJsonDepth(bytes: Uint8Array, max = MAX_JSON_DEPTH): void {
  if (jsonDepth(bytes, max) > max) {
    throw new LaunchError(
      'INVALID_ARGUMENT',
      `Request body nests JSON deeper than ${max} levels (the limit is ${max})`,
      { hint: 'Flatten the document; configs and specs rarely need more than a few levels.' },
    );
  }
}
