/**
 * @module A run as Kubernetes objects (pure): `resource_args.kubernetes` merged over W&B's Job
 * defaults (`backoffLimit: 0`, `ttlSecondsAfterFinished: 60`, `restartPolicy: Never`), the image and
 * command line put into every container that does not name its own, the run's variables appended
 * (its run token and credentials from a per-run Secret, by `secretKeyRef`), labels for run, attempt,
 * queue and agent on the object and its pods, and a restricted securityContext under the user's.
 * A custom resource (another apiVersion/kind: a Kubeflow `PyTorchJob`, a `JobSet`) is created as
 * given with the same injection into each of its pod templates. The caller checks the args first
 * (`kubernetesArgsProblem`); this module only assembles.
 */
import type { JsonObject } from '@tminus/sdk/protocol';

import { isCustomResource } from '../../core/resource-args/kubernetes.js';
import { isJsonObject } from '../../lib/json.js';
import {
  LABEL,
  MANAGED_BY,
  objectName,
  RUN_ID_ANNOTATION,
  labelValue,
  secretName,
} from './names.js';

/** Where the Secret's config file is mounted when the run has no code volume. */
export const CONFIG_MOUNT = '/var/run/tminus';
const CONFIG_KEY = 'config.json';
const RUN_VOLUME = 'tminus-run';
const CODE_VOLUME = 'tminus-code';

/** A PersistentVolumeClaim the agent shares with the runs' pods (W&B's code PVC mode). */
export interface CodeVolume {
  readonly claimName: string;
  /** Where the agent and the pods mount it (the same path on both). */
  readonly mountPath: string;
}

export interface RunObjectsInput {
  readonly runId: string;
  readonly attempt: number;
  readonly namespace: string;
  /** The image for containers that name none; undefined: every container must name its own. */
  readonly image: string | undefined;
  /** The command line; empty: the image's own entry point. */
  readonly argv: readonly string[];
  /** Variables put in the manifest as they are. */
  readonly env: Readonly<Record<string, string>>;
  /** Variables put in the Secret and referenced (run token, credentials). */
  readonly secretEnv: Readonly<Record<string, string>>;
  /** The run config file's text: in the Secret, unless the run's directory is on the code volume. */
  readonly configJson: string;
  /** The run's directory on the code volume (its source and config file), when there is one. */
  readonly code?: { readonly volume: CodeVolume; readonly dir: string; readonly workDir: string };
  readonly queue: string | undefined;
  readonly agent: string;
  /** `resource_args.kubernetes`, checked. */
  readonly args: JsonObject;
}

export interface RunObjects {
  /** The Job, or the custom object. */
  readonly object: JsonObject;
  readonly secret: JsonObject;
  /** The labels every object and pod of this attempt carries. */
  readonly labels: Readonly<Record<string, string>>;
}

/** W&B's hardening, under what the user's securityContext says (refusals are checked before). */
const RESTRICTED: JsonObject = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

const JOB_DEFAULTS: JsonObject = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  spec: {
    backoffLimit: 0,
    ttlSecondsAfterFinished: 60,
    template: { spec: { restartPolicy: 'Never', containers: [{}] } },
  },
};

/** `over` merged into `under`: objects key by key, anything else (arrays too) replaced. */
export function mergeOver(under: unknown, over: unknown): unknown {
  if (over === undefined) return structuredClone(under ?? null);
  if (!isJsonObject(under) || !isJsonObject(over)) return structuredClone(over);
  const out: JsonObject = structuredClone(under);
  for (const [key, value] of Object.entries(over)) out[key] = mergeOver(under[key], value);
  return out;
}

function objectAt(parent: JsonObject, key: string): JsonObject {
  const value = parent[key];
  if (isJsonObject(value)) return value;
  const made: JsonObject = {};
  parent[key] = made;
  return made;
}

/** Every pod template in a manifest: an object under a `template` key with `spec.containers`. */
export function podTemplates(value: unknown, found: JsonObject[] = []): JsonObject[] {
  if (Array.isArray(value)) for (const item of value) podTemplates(item, found);
  else if (isJsonObject(value))
    for (const [key, v] of Object.entries(value)) {
      if (
        key === 'template' &&
        isJsonObject(v) &&
        isJsonObject(v.spec) &&
        Array.isArray(v.spec.containers)
      )
        found.push(v);
      else podTemplates(v, found);
    }
  return found;
}

function envEntries(input: RunObjectsInput, secret: string): JsonObject[] {
  const plain = Object.entries(input.env).map(([name, value]) => ({ name, value }));
  const referenced = Object.keys(input.secretEnv).map((name) => ({
    name,
    valueFrom: { secretKeyRef: { name: secret, key: name } },
  }));
  return [...plain, ...referenced];
}

function injectContainer(
  container: JsonObject,
  index: number,
  input: RunObjectsInput,
  env: JsonObject[],
  mounts: JsonObject[],
): void {
  if (typeof container.name !== 'string') container.name = `launch${index}`;
  if (container.image === undefined && input.image !== undefined) container.image = input.image;
  // A container that says what it runs keeps it; the others run the run's command line.
  if (container.command === undefined && container.args === undefined && input.argv.length > 0)
    container.command = [...input.argv];
  if (input.code !== undefined && container.workingDir === undefined)
    container.workingDir = input.code.workDir;
  // The run's variables win over the manifest's of the same name.
  const names = new Set(env.map((e) => e.name));
  const own = (Array.isArray(container.env) ? (container.env as unknown[]) : []).filter(
    (e) => !(isJsonObject(e) && names.has(e.name as string)),
  );
  container.env = [...own, ...env];
  const ownMounts = Array.isArray(container.volumeMounts)
    ? (container.volumeMounts as unknown[])
    : [];
  container.volumeMounts = [...ownMounts, ...mounts];
  container.securityContext = mergeOver(RESTRICTED, container.securityContext);
}

function injectPodTemplate(
  template: JsonObject,
  input: RunObjectsInput,
  labels: Record<string, string>,
  secret: string,
): void {
  const metadata = objectAt(template, 'metadata');
  metadata.labels = { ...(isJsonObject(metadata.labels) ? metadata.labels : {}), ...labels };
  const spec = objectAt(template, 'spec');
  // No Kubernetes API credentials in the pod unless the queue chose a service account.
  if (spec.serviceAccountName === undefined && spec.serviceAccount === undefined)
    spec.automountServiceAccountToken = false;
  const volumes: JsonObject[] = Array.isArray(spec.volumes) ? (spec.volumes as JsonObject[]) : [];
  const mounts: JsonObject[] = [];
  if (input.code === undefined) {
    volumes.push({
      name: RUN_VOLUME,
      secret: { secretName: secret, items: [{ key: CONFIG_KEY, path: CONFIG_KEY }] },
    });
    mounts.push({ name: RUN_VOLUME, mountPath: CONFIG_MOUNT, readOnly: true });
  } else {
    volumes.push({
      name: CODE_VOLUME,
      persistentVolumeClaim: { claimName: input.code.volume.claimName },
    });
    mounts.push({ name: CODE_VOLUME, mountPath: input.code.volume.mountPath });
  }
  spec.volumes = volumes;
  const env = envEntries(input, secret);
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  containers.forEach((c, i) => {
    if (isJsonObject(c)) injectContainer(c, i, input, env, mounts);
  });
  for (const key of ['initContainers', 'ephemeralContainers'])
    for (const c of Array.isArray(spec[key]) ? spec[key] : [])
      if (isJsonObject(c)) c.securityContext = mergeOver(RESTRICTED, c.securityContext);
}

/** The labels of one attempt's objects and pods. */
export function runLabels(
  input: Pick<RunObjectsInput, 'runId' | 'attempt' | 'queue' | 'agent'>,
): Record<string, string> {
  return {
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.runId]: labelValue(input.runId),
    [LABEL.attempt]: String(input.attempt),
    [LABEL.agent]: labelValue(input.agent),
    ...(input.queue === undefined ? {} : { [LABEL.queue]: labelValue(input.queue) }),
  };
}

/** The path of the run config file inside the pod. */
export function configPathInPod(input: Pick<RunObjectsInput, 'code'>, configPath: string): string {
  return input.code === undefined ? `${CONFIG_MOUNT}/${CONFIG_KEY}` : configPath;
}

export function renderRunObjects(input: RunObjectsInput): RunObjects {
  const labels = runLabels(input);
  const secret = secretName(input.runId, input.attempt);
  const { namespace: _legacyNamespace, ...manifest } = input.args;
  const custom = isCustomResource(manifest);
  const object = (
    custom ? structuredClone(manifest) : mergeOver(JOB_DEFAULTS, manifest)
  ) as JsonObject;
  const metadata = objectAt(object, 'metadata');
  metadata.name = objectName(input.runId, input.attempt);
  metadata.namespace = input.namespace;
  metadata.labels = { ...(isJsonObject(metadata.labels) ? metadata.labels : {}), ...labels };
  metadata.annotations = {
    ...(isJsonObject(metadata.annotations) ? metadata.annotations : {}),
    [RUN_ID_ANNOTATION]: input.runId,
  };
  for (const template of podTemplates(object.spec ?? null))
    injectPodTemplate(template, input, labels, secret);
  return {
    object,
    labels,
    secret: {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: secret,
        namespace: input.namespace,
        labels,
        annotations: { [RUN_ID_ANNOTATION]: input.runId },
      },
      stringData: {
        ...input.secretEnv,
        ...(input.code === undefined ? { [CONFIG_KEY]: input.configJson } : {}),
      },
    },
  };
}
