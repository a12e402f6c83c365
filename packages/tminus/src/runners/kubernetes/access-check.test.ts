import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { describePermission, roleFor, RUNNER_PERMISSIONS } from './access-check.js';

describe("the Kubernetes agent's permissions", () => {
  it('the Role offered for what is missing is a valid Role granting exactly that, grouped by resource', () => {
    const missing = RUNNER_PERMISSIONS.filter(
      (p) => p.resource === 'events' || (p.resource === 'pods' && p.verb !== 'delete'),
    );
    const role = parse(roleFor('ml-runs', missing)) as Record<string, unknown>;
    expect(() => new Role(role as never).validate()).not.toThrow();
    expect(role).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'tminus-agent', namespace: 'ml-runs' },
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
        { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        { apiGroups: [''], resources: ['events'], verbs: ['list'] },
      ],
    });
  });

  it('the full set is namespaced (a Role, no ClusterRole) and says why each is needed', () => {
    const role = parse(roleFor('default', RUNNER_PERMISSIONS)) as { rules: unknown[] };
    expect(() => new Role(role as never).validate()).not.toThrow();
    expect(role.rules).toContainEqual({
      apiGroups: ['batch'],
      resources: ['jobs'],
      verbs: ['create', 'get', 'list', 'delete'],
    });
    expect(describePermission(RUNNER_PERMISSIONS.find((p) => p.subresource === 'log')!)).toBe(
      "get pods/log (to read a run's output)",
    );
  });
});
