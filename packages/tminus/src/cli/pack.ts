/**
 * @module Packing a code directory as a reproducible gzipped tar: the same files give the same bytes
 * (sorted entries, fixed times and owners), so the same directory gives the same digest and an
 * unchanged job is "No changes detected".
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

import { create } from 'tar';

export const PACK_EXCLUDES = new Set([
  '.git',
  'node_modules',
  '__pycache__',
  '.venv',
  'wandb',
  '.DS_Store',
]);

function listFiles(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    if (PACK_EXCLUDES.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(root, path));
    else if (entry.isFile()) out.push(relative(root, path));
  }
  return out;
}

export async function packDirectory(
  dir: string,
): Promise<{ bytes: Uint8Array; digest: string; files: string[] }> {
  const files = listFiles(dir);
  const chunks: Buffer[] = [];
  const stream = create(
    { gzip: { level: 9 }, cwd: dir, portable: true, noMtime: true, noDirRecurse: true },
    files,
  );
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  const bytes = new Uint8Array(Buffer.concat(chunks));
  return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, files };
}
