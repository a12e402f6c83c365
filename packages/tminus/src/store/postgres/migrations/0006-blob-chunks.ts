/** PostgreSQL migration 6: blob-chunks. Blobs in rows of at most 1 MiB, so that neither side holds a large snapshot in one piece. Snapshots are gzipped: store the chunks uncompressed (no futile compression attempt). */
export const name = 'blob-chunks';

export const sql = `
CREATE TABLE blob_chunks (digest TEXT NOT NULL, idx INTEGER NOT NULL, bytes BYTEA NOT NULL, PRIMARY KEY (digest, idx));
ALTER TABLE blob_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL;
INSERT INTO blob_chunks (digest, idx, bytes)
  SELECT digest, i, substring(bytes FROM i * 1048576 + 1 FOR 1048576)
  FROM blobs, generate_series(0, (length(bytes) + 1048575) / 1048576 - 1) AS i;
ALTER TABLE blobs ADD COLUMN size BIGINT;
UPDATE blobs SET size = length(bytes);
ALTER TABLE blobs ALTER COLUMN size SET NOT NULL, DROP COLUMN bytes;
`;
