/**
 * @module The web UI's files (packages/web, built into `dist/ui`), served at `/` beside the API. Only
 * names of the bundle's own form are looked up, and only inside its folder: a path with `..`, a
 * dot-file, a backslash or an encoded slash is refused before it reaches the file system
 * (docs/decisions/0038). The files hold no secret, so they need no credential; every call they make
 * goes to `/api/v1` with the key the user signed in with.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `dist/ui` of this package, from both `src/server/http` (tests) and `dist/server/http`. */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../../dist/ui/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** One path segment of a bundle file: no leading dot (no `..`, no dot-files), no separators. */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/**
 * The page may load only what the server itself serves and talk only to it: no CDN, no font host,
 * no inline script, and no other site may frame it.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly mtimeMs: number;
}

export class StaticFiles {
  readonly #root: string;
  /** Files read so far, re-read when their modification time changes (a rebuild while serving). */
  readonly #cache = new Map<string, StaticFile>();

  constructor(root: string = DEFAULT_UI_DIR) {
    this.#root = resolve(root);
  }

  /** The bundle's file for a request path, or undefined (not a bundle name, or no such file). */
  #lookup(pathname: string): StaticFile | undefined {
    const relative = pathname === '/' ? 'index.html' : pathname.slice(1);
    const segments = relative.split('/');
    if (!segments.every((s) => SEGMENT.test(s))) return undefined;
    const type = TYPES[extname(relative)];
    if (type === undefined) return undefined;
    const path = join(this.#root, ...segments);
    // Redundant with SEGMENT, and kept so that a future change to it cannot open the file system.
    if (!path.startsWith(this.#root + sep)) return undefined;
    let mtimeMs: number;
    try {
      const stat = statSync(path);
      if (!stat.isFile()) return undefined;
      mtimeMs = stat.mtimeMs;
    } catch {
      return undefined;
    }
    const cached = this.#cache.get(path);
    if (cached !== undefined && cached.mtimeMs === mtimeMs) return cached;
    const body = readFileSync(path);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    const file = { body, type, etag, mtimeMs };
    if (this.#cache.size > 256) this.#cache.clear();
    this.#cache.set(path, file);
    return file;
  }

  /** Whether the bundle was built (the server says how to build it when it was not). */
  get built(): boolean {
    return this.#lookup('/') !== undefined;
  }

  /**
   * Answers a GET or HEAD for a bundle file and returns true, or returns false (the caller answers
   * 404). The names are fixed (`main.js`), so every answer is revalidated: `no-cache` with an ETag
   * costs a 304 per file and never serves an old bundle after an upgrade.
   */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return false;
    }
    const file = this.#lookup(decoded);
    if (file === undefined) return false;
    const headers = {
      ...SECURITY_HEADERS,
      'content-type': file.type,
      'cache-control': 'no-cache',
      etag: file.etag,
    };
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    res.writeHead(200, { ...headers, 'content-length': file.body.length });
    res.end(req.method === 'HEAD' ? undefined : file.body);
    return true;
  }
}
