/** @module The stand-in's HTTP plumbing: JSON answers, Status errors, request bodies, merge patches. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A Kubernetes `Status` error. */
export function status(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message }),
  );
}

export function send(res: ServerResponse, body: unknown, code = 200): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function body(req: IncomingMessage): Promise<Json> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text === '' ? {} : (JSON.parse(text) as Json);
}

/** RFC 7386 JSON merge patch, in place. */
export function mergePatch(target: Json, patch: Json): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete target[k];
    else if (
      typeof v === 'object' &&
      !Array.isArray(v) &&
      typeof target[k] === 'object' &&
      target[k] !== null
    )
      mergePatch(target[k] as Json, v as Json);
    else target[k] = v;
  }
}
