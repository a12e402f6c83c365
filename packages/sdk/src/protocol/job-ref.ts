/**
 * @module Job references `entity/project/name:alias`, W&B's form. Pure, used by SDK, CLI and server.
 */
export const JOB_REF_FORM = '<entity>/<project>/<job-name>:<alias-or-version>';

export interface JobRef {
  readonly entity: string;
  readonly project: string;
  readonly name: string;
  /** An alias (`latest`, a custom one) or a version `v0`, `v1`, … */
  readonly alias: string;
}

const PART = /^[A-Za-z0-9_.-]+$/;

/**
 * Parses `entity/project/name[:alias]`. Without `:alias`, `latest` is meant. Two-part references
 * (`project/name`) take the caller's default entity. Returns an error message instead of throwing so
 * that callers can raise their own error type.
 */
export function parseJobRef(
  ref: string,
  defaults: { readonly entity?: string } = {},
): { ok: true; ref: JobRef } | { ok: false; message: string } {
  const bad = {
    ok: false as const,
    message: `Invalid job reference "${ref}": a job must be of the form ${JOB_REF_FORM}`,
  };
  const colon = ref.lastIndexOf(':');
  const path = colon === -1 ? ref : ref.slice(0, colon);
  const alias = colon === -1 ? 'latest' : ref.slice(colon + 1);
  const parts = path.split('/');
  let entity: string | undefined;
  let project: string | undefined;
  let name: string | undefined;
  if (parts.length === 3) [entity, project, name] = parts;
  else if (parts.length === 2 && defaults.entity !== undefined) {
    entity = defaults.entity;
    [project, name] = parts;
  } else return bad;
  if (!entity || !project || !name || !alias) return bad;
  if (![entity, project, name, alias].every((p) => PART.test(p))) return bad;
  return { ok: true, ref: { entity, project, name, alias } };
}

export function formatJobRef(ref: JobRef): string {
  return `${ref.entity}/${ref.project}/${ref.name}:${ref.alias}`;
}

/** `v3` → 3; anything else → undefined (an alias). */
export function versionIndexOf(alias: string): number | undefined {
  const m = /^v(\d+)$/.exec(alias);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}
