/**
 * @module The blob-store port: content-addressed bytes (code snapshots). Local files for the
 * embedded set-up; a database or S3-compatible adapter lets several replicas share blobs.
 */
export interface BlobStore {
  /** Stores the bytes; returns `sha256:<hex>`. Idempotent. */
  put(bytes: Uint8Array): Promise<string>;
  get(digest: string): Promise<Uint8Array | undefined>;
  has(digest: string): Promise<boolean>;
}
