/**
 * @module What a mutation returns, and how large the large values get.
 */
import type { Parts } from './wire.js';

/** How large the large values get. */
export interface Scale {
  /** Sizes of huge strings, in bytes. */
  readonly hugeBytes: readonly number[];
  /** Lengths of huge arrays. */
  readonly hugeItems: readonly number[];
  /** Depths of deep values (besides the two around the server's limit). */
  readonly depths: readonly number[];
}

/** A mutated request, and where it was changed (for the report). */
export interface Change {
  readonly where: string;
  readonly parts: Parts;
}
