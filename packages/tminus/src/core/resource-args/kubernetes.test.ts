import { describe, expect, it } from 'vitest';

import { resourceArgsProblem } from './index.js';
import { kubernetesArgsProblem } from './kubernetes.js';

const pod = (spec: Record<string, unknown>) => ({ spec: { template: { spec } } });
const container = (c: Record<string, unknown>) => pod({ containers: [{ name: 'main', ...c }] });

describe('resource_args.kubernetes', () => {
  it.each<[string, Record<string, unknown>]>([
    ['nothing', {}],
    ['a namespace (W&B’s top-level key)', { namespace: 'ml' }],
    [
      'resources, node selector, tolerations, labels',
      {
        metadata: { namespace: 'ml', labels: { team: 'vision' } },
        spec: {
          activeDeadlineSeconds: 3600,
          template: {
            spec: {
              nodeSelector: { gpu: 'a100' },
              tolerations: [{ key: 'gpu', operator: 'Exists' }],
              containers: [{ resources: { limits: { 'nvidia.com/gpu': 2, memory: '32Gi' } } }],
            },
          },
        },
      },
    ],
    [
      'a securityContext that restricts more',
      container({ securityContext: { runAsUser: 1000, runAsNonRoot: true } }),
    ],
    ['explicitly false host namespaces', pod({ hostNetwork: false, hostPID: false })],
    [
      'a Kubeflow PyTorchJob',
      { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', spec: { pytorchReplicaSpecs: {} } },
    ],
    ['a JobSet', { apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet', spec: {} }],
  ])('accepts %s', (_name, args) => {
    expect(kubernetesArgsProblem(args as never)).toBeUndefined();
  });

  it.each<[Record<string, unknown>, string]>([
    [
      pod({ hostNetwork: true }),
      'resource_args["kubernetes"].spec.template.spec.hostNetwork is refused',
    ],
    [
      pod({ hostPID: true }),
      'spec.template.spec.hostPID is refused: the pod would see every process on the node',
    ],
    [pod({ hostIPC: true }), 'spec.template.spec.hostIPC is refused'],
    [
      pod({ volumes: [{ name: 'root', hostPath: { path: '/' } }] }),
      'spec.template.spec.volumes[0].hostPath is refused: a hostPath volume exposes the node',
    ],
    [
      container({ securityContext: { privileged: true } }),
      'spec.template.spec.containers[0].securityContext.privileged is refused: a privileged container is root on the node',
    ],
    [
      container({ securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }),
      'securityContext.capabilities is refused',
    ],
    [
      container({ securityContext: { allowPrivilegeEscalation: true } }),
      'allowPrivilegeEscalation is refused',
    ],
    [container({ securityContext: { runAsUser: 0 } }), 'runAsUser is refused'],
    [
      container({ securityContext: { seccompProfile: { type: 'Unconfined' } } }),
      'seccompProfile is refused',
    ],
    [container({ ports: [{ containerPort: 80, hostPort: 80 }] }), 'ports[0].hostPort is refused'],
    [
      container({
        volumeMounts: [{ name: 'x', mountPath: '/x', mountPropagation: 'Bidirectional' }],
      }),
      'mountPropagation is refused',
    ],
    [
      pod({ serviceAccountName: 'admin' }),
      'spec.template.spec.serviceAccountName is refused: runs use the namespace’s default service account',
    ],
    [pod({ automountServiceAccountToken: true }), 'automountServiceAccountToken is refused'],
    [
      { metadata: { name: 'mine' } },
      'resource_args["kubernetes"].metadata.name is refused: tminus names each attempt’s object itself',
    ],
    [
      { metadata: { namespace: 'Bad_NS' } },
      'resource_args["kubernetes"].metadata.namespace must be a namespace name',
    ],
    [{ namespace: '../etc' }, 'metadata.namespace must be a namespace name'],
    [
      { context: 'prod' },
      'resource_args["kubernetes"].context is refused: which kubeconfig context to use is the agent’s setting',
    ],
    [{ configFile: '/root/.kube/config' }, 'configFile is refused'],
    [
      { replicas: 3 },
      'resource_args["kubernetes"].replicas is not part of a manifest tminus creates',
    ],
    [
      { apiVersion: 'apps/v1', kind: 'Deployment' },
      'resource_args["kubernetes"].apiVersion must be batch/v1 or a custom resource',
    ],
    [{ apiVersion: 'v1', kind: 'Pod' }, 'apiVersion must be batch/v1 or a custom resource'],
    [{ kind: 'CronJob' }, 'resource_args["kubernetes"].kind must be Job'],
    [
      { apiVersion: 'kubeflow.org/v1', kind: 'pytorchjob; rm' },
      'kind must name the custom resource',
    ],
    [
      {
        apiVersion: 'kubeflow.org/v1',
        kind: 'PyTorchJob',
        spec: { pytorchReplicaSpecs: { Master: { template: { spec: { hostNetwork: true } } } } },
      },
      'spec.pytorchReplicaSpecs.Master.template.spec.hostNetwork is refused',
    ],
    [
      {
        metadata: {
          annotations: { 'container.apparmor.security.beta.kubernetes.io/x': 'unconfined' },
        },
      },
      'unconfined profiles are not allowed',
    ],
  ])('refuses %j', (args, message) => {
    expect(kubernetesArgsProblem(args as never)).toContain(message);
  });

  it('allows the service account the queue’s own config names, and no other', () => {
    const queue = { spec: { template: { spec: { serviceAccountName: 'trainer' } } } };
    expect(
      kubernetesArgsProblem(pod({ serviceAccountName: 'trainer' }) as never, queue),
    ).toBeUndefined();
    expect(kubernetesArgsProblem(pod({ serviceAccountName: 'admin' }) as never, queue)).toContain(
      'serviceAccountName is refused',
    );
  });

  it('is what the server checks for a queue whose resource is kubernetes', () => {
    expect(resourceArgsProblem('kubernetes', { namespace: 'ml' })).toBeUndefined();
    expect(resourceArgsProblem('kubernetes', pod({ hostPID: true }))).toContain(
      'hostPID is refused',
    );
    expect(resourceArgsProblem('kubernetes', 'Job')).toContain('must be an object');
  });
});
