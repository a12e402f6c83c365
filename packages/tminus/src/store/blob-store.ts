/**
 * @module The blob-store port: content-addressed bytes (code snapshots). Local files for the
 * embedded set-up; a database or S3-compatible adapter lets several replicas share blobs. Blobs go
 * in and out in pieces: an upload arrives as a file already on disk, a download leaves as chunks,
 * so no blob is ever held whole in memory.
 */

/** An upload received into a temp file, with the digest computed while receiving it. */
export interface StagedBlob {
  readonly path: string;
  /** `sha256:<hex>` of the file's bytes. */
  readonly digest: string;
  readonly size: number;
}

/** A stored blob: its size, and its bytes as chunks, read when iterated. */
export interface StoredBlob {
  readonly size: number;
  chunks(): AsyncIterable<Uint8Array>;
}

export interface BlobStore {
  /**
   * Stores the staged file's bytes under its digest and returns the digest. Idempotent. The store
   * may move the file away or copy it; the caller removes whatever is left at `path` afterwards.
   */
  put(staged: StagedBlob): Promise<string>;
  get(digest: string): Promise<StoredBlob | undefined>;
  has(digest: string): Promise<boolean>;
}
