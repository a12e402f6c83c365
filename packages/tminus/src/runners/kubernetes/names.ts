/**
 * @module What tminus calls a run's objects on a cluster, and the labels it finds them by again
 * (pure): every name and label value is made from the run id, checked or hashed into Kubernetes'
 * grammar, so a run id never reaches the API unvalidated.
 */
import { createHash } from 'node:crypto';

export const KUBERNETES = 'kubernetes';

/** Label keys on every object and pod tminus creates (W&B: `wandb.ai/run-id`, `wandb.ai/agent`). */
export const LABEL = {
  managedBy: 'app.kubernetes.io/managed-by',
  runId: 'tminus/run-id',
  attempt: 'tminus/attempt',
  queue: 'tminus/queue',
  agent: 'tminus/agent',
} as const;
export const MANAGED_BY = 'tminus';
/** The exact run id, whatever characters it has (labels cannot hold every id). */
export const RUN_ID_ANNOTATION = 'tminus/run-id';

const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function digest(text: string, chars: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, chars);
}

/** `text` as a label value: itself when it is one, else a readable part and a hash of it. */
export function labelValue(text: string): string {
  if (LABEL_VALUE.test(text)) return text;
  const readable = text.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 40);
  return `${readable.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '')}-${digest(text, 12)}`.replace(
    /^-/,
    'x',
  );
}

/** `text` as the middle of a DNS-1123 name: itself when lowercase-safe, else readable part + hash. */
function dnsPart(text: string, max: number): string {
  if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(text) && text.length <= max) return text;
  const readable = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max - 9);
  return readable === '' ? digest(text, 8) : `${readable}-${digest(text, 8)}`;
}

/** The Job (or custom object) of one attempt: `tminus-<run id>-<attempt>` (at most 52, for pods' names). */
export function objectName(runId: string, attempt: number): string {
  return `tminus-${dnsPart(runId, 36)}-${attempt}`;
}

/** The attempt's Secret: its run token and credentials, and its config file. */
export function secretName(runId: string, attempt: number): string {
  return secretNameOf(objectName(runId, attempt));
}

/** The Secret of the attempt whose object is `name`. */
export function secretNameOf(name: string): string {
  return `${name}-run`;
}

/** A label selector for `labels` (values already label-safe). */
export function selector(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
