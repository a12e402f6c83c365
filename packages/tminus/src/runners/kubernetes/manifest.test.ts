/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- the rendered JSON is read as a user reads it */
/**
 * Every rendered object is validated against Kubernetes' own OpenAPI schemas (kubernetes-models):
 * Jobs and Secrets whole; for custom resources (no schema ships for Kubeflow or JobSet), their pod
 * templates, Job templates and metadata.
 */
import { JobTemplateSpec, Job } from 'kubernetes-models/batch/v1';
import { ObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
import { PodTemplateSpec, Secret } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';

import { kubernetesArgsProblem } from '../../core/resource-args/kubernetes.js';
import { podTemplates, renderRunObjects, type RunObjectsInput } from './manifest.js';

const base: RunObjectsInput = {
  runId: 'ab12cd34',
  attempt: 1,
  namespace: 'ml',
  image: 'registry.example/train:v3',
  argv: ['python', 'train.py', '--lr', '0.5'],
  env: {
    TMINUS_RUN_ID: 'ab12cd34',
    WANDB_RUN_ID: 'ab12cd34',
    WANDB_CONFIG: '{"lr":0.5}',
    TMINUS_CONFIG_PATH: '/var/run/tminus/config.json',
  },
  secretEnv: { TMINUS_RUN_TOKEN: 'tmr_secret', WANDB_API_KEY: 'wandb-key' },
  configJson: '{"lr":0.5}',
  queue: 'gpu',
  agent: 'agent-1',
  args: {},
};

/** Validates against the schemas (throws naming the field), then returns the object for reading. */
function valid(input: RunObjectsInput) {
  expect(kubernetesArgsProblem(input.args)).toBeUndefined();
  const rendered = renderRunObjects(input);
  new Secret(rendered.secret).validate();
  if (rendered.object.kind === 'Job') new Job(rendered.object).validate();
  else {
    new ObjectMeta(rendered.object.metadata as never).validate();
    for (const template of podTemplates(rendered.object.spec))
      new PodTemplateSpec(template).validate();
  }
  // JSON all the way: what is sent is what was validated.
  expect(JSON.parse(JSON.stringify(rendered))).toEqual(rendered);
  return rendered as unknown as { object: any; secret: any; labels: Record<string, string> };
}

describe('Kubernetes manifests (validated against the official schemas)', () => {
  it("renders W&B's Job defaults, the image, the command line, the run's variables and labels", () => {
    const { object, secret, labels } = valid(base);
    expect(object).toMatchObject({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'tminus-ab12cd34-1',
        namespace: 'ml',
        annotations: { 'tminus/run-id': 'ab12cd34' },
      },
      spec: {
        backoffLimit: 0,
        ttlSecondsAfterFinished: 60,
        template: { spec: { restartPolicy: 'Never', automountServiceAccountToken: false } },
      },
    });
    expect(labels).toEqual({
      'app.kubernetes.io/managed-by': 'tminus',
      'tminus/run-id': 'ab12cd34',
      'tminus/attempt': '1',
      'tminus/agent': 'agent-1',
      'tminus/queue': 'gpu',
    });
    expect(object.metadata.labels).toEqual(labels);
    expect(object.spec.template.metadata.labels).toEqual(labels);
    const [container] = object.spec.template.spec.containers;
    expect(container).toMatchObject({
      name: 'launch0',
      image: 'registry.example/train:v3',
      command: ['python', 'train.py', '--lr', '0.5'],
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      },
      volumeMounts: [{ name: 'tminus-run', mountPath: '/var/run/tminus', readOnly: true }],
    });
    expect(container.env).toContainEqual({ name: 'WANDB_CONFIG', value: '{"lr":0.5}' });
    // Secrets are referenced, never written into the Job.
    expect(container.env).toContainEqual({
      name: 'TMINUS_RUN_TOKEN',
      valueFrom: { secretKeyRef: { name: 'tminus-ab12cd34-1-run', key: 'TMINUS_RUN_TOKEN' } },
    });
    expect(JSON.stringify(object)).not.toContain('tmr_secret');
    expect(JSON.stringify(object)).not.toContain('wandb-key');
    expect(secret).toMatchObject({
      metadata: { name: 'tminus-ab12cd34-1-run', namespace: 'ml', labels },
      stringData: {
        TMINUS_RUN_TOKEN: 'tmr_secret',
        WANDB_API_KEY: 'wandb-key',
        'config.json': '{"lr":0.5}',
      },
    });
    expect(object.spec.template.spec.volumes).toEqual([
      {
        name: 'tminus-run',
        secret: {
          secretName: 'tminus-ab12cd34-1-run',
          items: [{ key: 'config.json', path: 'config.json' }],
        },
      },
    ]);
  });

  it("merges the launch's manifest over the defaults: its values win, lists are its own", () => {
    const { object } = valid({
      ...base,
      args: {
        metadata: { labels: { team: 'vision' } },
        spec: {
          backoffLimit: 2,
          activeDeadlineSeconds: 7200,
          template: {
            metadata: { annotations: { note: 'x' } },
            spec: {
              nodeSelector: { 'nvidia.com/gpu.product': 'A100' },
              tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
              containers: [
                {
                  name: 'trainer',
                  resources: { limits: { 'nvidia.com/gpu': 2, memory: '32Gi' } },
                  env: [
                    { name: 'NCCL_DEBUG', value: 'INFO' },
                    { name: 'WANDB_CONFIG', value: 'theirs' },
                  ],
                  securityContext: { runAsUser: 1000, runAsNonRoot: true },
                },
                { name: 'sidecar', image: 'busybox:1', args: ['sleep', '3600'] },
              ],
            },
          },
        },
      },
    });
    expect(object.spec).toMatchObject({
      backoffLimit: 2,
      ttlSecondsAfterFinished: 60,
      activeDeadlineSeconds: 7200,
    });
    expect(object.metadata.labels.team).toBe('vision');
    const [trainer, sidecar] = object.spec.template.spec.containers;
    expect(trainer.name).toBe('trainer');
    expect(trainer.image).toBe('registry.example/train:v3');
    expect(trainer.env).toContainEqual({ name: 'NCCL_DEBUG', value: 'INFO' });
    // The run's own variables win over the manifest's.
    expect(trainer.env.filter((e: { name: string }) => e.name === 'WANDB_CONFIG')).toEqual([
      { name: 'WANDB_CONFIG', value: '{"lr":0.5}' },
    ]);
    expect(trainer.securityContext).toMatchObject({
      runAsUser: 1000,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
    });
    // A container that says what it runs keeps it (and its image).
    expect(sidecar).toMatchObject({ image: 'busybox:1', args: ['sleep', '3600'] });
    expect(sidecar.command).toBeUndefined();
  });

  it('an image entry point: no command (the image’s own ENTRYPOINT runs)', () => {
    const { object } = valid({ ...base, argv: [] });
    expect(object.spec.template.spec.containers[0].command).toBeUndefined();
  });

  it('a code volume: the run’s source and config file on a PersistentVolumeClaim, the program in its source', () => {
    const { object, secret } = valid({
      ...base,
      env: { ...base.env, TMINUS_CONFIG_PATH: '/mnt/tminus/runs/ab12cd34/config.json' },
      code: {
        volume: { claimName: 'tminus-code', mountPath: '/mnt/tminus' },
        dir: '/mnt/tminus/runs/ab12cd34',
        workDir: '/mnt/tminus/runs/ab12cd34/src',
      },
    });
    const spec = object.spec.template.spec;
    expect(spec.volumes).toEqual([
      { name: 'tminus-code', persistentVolumeClaim: { claimName: 'tminus-code' } },
    ]);
    expect(spec.containers[0]).toMatchObject({
      workingDir: '/mnt/tminus/runs/ab12cd34/src',
      volumeMounts: [{ name: 'tminus-code', mountPath: '/mnt/tminus' }],
    });
    expect(secret.stringData['config.json']).toBeUndefined();
  });

  it('a run id that is no DNS name still makes valid names and labels', () => {
    const { object, labels } = valid({ ...base, runId: 'My_Run.ID with spaces' });
    expect(object.metadata.name).toMatch(/^tminus-my-run-id-with-spaces-[0-9a-f]{8}-1$/);
    expect(labels['tminus/run-id']).toMatch(/^My_Run.ID-with-spaces-[0-9a-f]{12}$/);
    expect(object.metadata.annotations['tminus/run-id']).toBe('My_Run.ID with spaces');
  });

  it('a Kubeflow PyTorchJob: created as given, every replica’s pod template injected', () => {
    const replica = (n: number) => ({
      replicas: n,
      restartPolicy: 'OnFailure',
      template: {
        spec: { containers: [{ name: 'pytorch', resources: { limits: { 'nvidia.com/gpu': 1 } } }] },
      },
    });
    const { object } = valid({
      ...base,
      args: {
        apiVersion: 'kubeflow.org/v1',
        kind: 'PyTorchJob',
        spec: { pytorchReplicaSpecs: { Master: replica(1), Worker: replica(3) } },
      },
    });
    expect(object).toMatchObject({
      apiVersion: 'kubeflow.org/v1',
      kind: 'PyTorchJob',
      metadata: { name: 'tminus-ab12cd34-1', namespace: 'ml' },
    });
    expect(object.spec.backoffLimit).toBeUndefined(); // no Job defaults on a custom resource
    for (const role of ['Master', 'Worker']) {
      const template = object.spec.pytorchReplicaSpecs[role].template;
      expect(template.metadata.labels['tminus/run-id']).toBe('ab12cd34');
      expect(template.spec.containers[0]).toMatchObject({
        name: 'pytorch',
        image: 'registry.example/train:v3',
        command: base.argv,
      });
    }
  });

  it('a JobSet: the pod templates inside its Job templates injected, the Job templates valid', () => {
    const { object } = valid({
      ...base,
      args: {
        apiVersion: 'jobset.x-k8s.io/v1alpha2',
        kind: 'JobSet',
        spec: {
          replicatedJobs: [
            {
              name: 'workers',
              replicas: 2,
              template: {
                spec: {
                  parallelism: 2,
                  completions: 2,
                  template: { spec: { restartPolicy: 'Never', containers: [{ name: 'w' }] } },
                },
              },
            },
          ],
        },
      },
    });
    const jobTemplate = object.spec.replicatedJobs[0].template;
    new JobTemplateSpec(jobTemplate).validate();
    expect(jobTemplate.spec.template.spec.containers[0]).toMatchObject({
      image: 'registry.example/train:v3',
      command: base.argv,
    });
  });

  it('the schemas catch a broken object (the check is not vacuous)', () => {
    const { object } = valid(base);
    object.spec.template.spec.containers[0].env.push({ name: 'N', value: 3 });
    expect(() => new Job(object).validate()).toThrow(/env\/\d+\/value must be string/);
  });
});
