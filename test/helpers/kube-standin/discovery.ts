/**
 * @module What the stand-in serves besides objects: API discovery (which resources each group has,
 * read by the official client before it creates an object) and access reviews (what the agent's
 * account may do), validated against the official schema.
 */
import { SelfSubjectAccessReview } from 'kubernetes-models/authorization.k8s.io/v1';

import type { Json } from './http.js';

/** The namespaced resources the stand-in keeps, by their path segment. */
export const RESOURCES: Record<string, { kind: string; group: string }> = {
  pods: { kind: 'Pod', group: 'v1' },
  secrets: { kind: 'Secret', group: 'v1' },
  events: { kind: 'Event', group: 'v1' },
  jobs: { kind: 'Job', group: 'batch/v1' },
};

/** The APIResourceList at `path`, or undefined when it is not a discovery path. */
export function discovery(path: string): Json | undefined {
  if (path === '/apis/authorization.k8s.io/v1')
    return {
      kind: 'APIResourceList',
      groupVersion: 'authorization.k8s.io/v1',
      resources: [
        {
          name: 'selfsubjectaccessreviews',
          singularName: '',
          namespaced: false,
          kind: 'SelfSubjectAccessReview',
          verbs: ['create'],
        },
      ],
    };
  if (path !== '/api/v1' && path !== '/apis/batch/v1') return undefined;
  const group = path === '/api/v1' ? 'v1' : 'batch/v1';
  return {
    kind: 'APIResourceList',
    groupVersion: group,
    resources: Object.entries(RESOURCES)
      .filter(([, r]) => r.group === group)
      .map(([name, r]) => ({
        name,
        singularName: '',
        namespaced: true,
        kind: r.kind,
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'watch'],
      })),
  };
}

/** Allowed unless `forbidden` names it ("verb resource" or "verb resource/subresource"). */
export function accessReview(
  review: Json,
  forbidden: readonly string[],
): { review: Json } | { invalid: string } {
  try {
    new SelfSubjectAccessReview(review as never).validate();
  } catch (error) {
    return { invalid: (error as Error).message };
  }
  const a = ((review.spec as Json | undefined)?.resourceAttributes ?? {}) as Json;
  const asked = `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''}`;
  const allowed = !forbidden.includes(asked);
  return {
    review: { ...review, status: { allowed, ...(allowed ? {} : { reason: 'no RBAC rule' }) } },
  };
}
