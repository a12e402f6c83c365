/**
 * @module What the agent's Kubernetes account must be allowed to do in a namespace, asked of the API
 * server once at start (`SelfSubjectAccessReview`, which every authenticated account may create), so
 * that a missing permission is said when the agent starts — with the Role that grants it — rather
 * than by the first run that fails. Namespaced verbs only: the runner needs no ClusterRole.
 */
import type { KubeApi } from './kube-api.js';

export interface Permission {
  readonly verb: string;
  /** '' for the core group. */
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  /** Why the runner needs it, for the message. */
  readonly for: string;
}

export const RUNNER_PERMISSIONS: readonly Permission[] = [
  { verb: 'create', group: 'batch', resource: 'jobs', for: 'to start a run' },
  { verb: 'get', group: 'batch', resource: 'jobs', for: 'to re-attach after a restart' },
  { verb: 'list', group: 'batch', resource: 'jobs', for: "to clean up an earlier attempt's Job" },
  { verb: 'delete', group: 'batch', resource: 'jobs', for: 'to cancel a run' },
  { verb: 'create', group: '', resource: 'secrets', for: 'to hand a run its token and config' },
  { verb: 'patch', group: '', resource: 'secrets', for: "to tie a run's Secret to its Job" },
  { verb: 'delete', group: '', resource: 'secrets', for: "to delete a run's Secret at its end" },
  { verb: 'list', group: '', resource: 'pods', for: "to follow runs' pods" },
  { verb: 'watch', group: '', resource: 'pods', for: "to follow runs' pods" },
  { verb: 'delete', group: '', resource: 'pods', for: 'to stop a run with its grace period' },
  { verb: 'get', group: '', resource: 'pods', subresource: 'log', for: "to read a run's output" },
  { verb: 'list', group: '', resource: 'events', for: 'to say why a run waits' },
];

export function describePermission(p: Permission): string {
  const resource = `${p.group === '' ? '' : `${p.group}/`}${p.resource}${p.subresource === undefined ? '' : `/${p.subresource}`}`;
  return `${p.verb} ${resource} (${p.for})`;
}

/** The permissions the account lacks in `namespace`; undefined when the API cannot say. */
export async function missingPermissions(
  api: KubeApi,
  namespace: string,
  wanted: readonly Permission[] = RUNNER_PERMISSIONS,
): Promise<Permission[] | undefined> {
  try {
    const allowed = await Promise.all(wanted.map((p) => api.mayI(namespace, p)));
    return wanted.filter((_, i) => !allowed[i]);
  } catch {
    return undefined;
  }
}

/** A Role (and its binding) granting `missing`, to paste into the message. */
export function roleFor(namespace: string, missing: readonly Permission[]): string {
  const rules = new Map<string, Set<string>>();
  for (const p of missing) {
    const key = `${p.group}|${p.resource}${p.subresource === undefined ? '' : `/${p.subresource}`}`;
    let verbs = rules.get(key);
    if (verbs === undefined) rules.set(key, (verbs = new Set()));
    verbs.add(p.verb);
  }
  const lines = [...rules].map(([key, verbs]) => {
    const [group = '', resource = ''] = key.split('|');
    return `  - {apiGroups: ["${group}"], resources: ["${resource}"], verbs: [${[...verbs].map((v) => `"${v}"`).join(', ')}]}`;
  });
  return [
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: Role',
    `metadata: {name: tminus-agent, namespace: ${namespace}}`,
    'rules:',
    ...lines,
  ].join('\n');
}
