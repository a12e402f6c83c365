/**
 * @module What a launch may ask of Kubernetes (`resource_args.kubernetes`), pure: a Job manifest (or
 * a custom resource such as a Kubeflow `PyTorchJob` or a `JobSet`) that tminus merges over W&B's
 * defaults. Checked at enqueue by the server and again by the agent before anything reaches the
 * cluster. W&B's refusals are kept (host namespaces, hostPath, privileged containers, service
 * account changes, …), each named by its path in the manifest; a service account is allowed when
 * the queue's own config sets it (the queue's admin chose it, not the launcher).
 */
import type { JsonObject } from '@tminus/sdk/protocol';

import { isJsonObject as isObject } from '../../lib/json.js';

const AT = 'resource_args["kubernetes"]';

/** A DNS-1123 label: namespaces, container names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** `group/version` of a custom resource: its group always has a dot (`kubeflow.org/v1`). */
const CUSTOM_API_VERSION =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+\/v[0-9a-z]{1,20}$/;
const KIND = /^[A-Z][A-Za-z0-9]{0,62}$/;

/** The Job kinds tminus renders itself; anything else with a dotted group is a custom resource. */
export const JOB_API_VERSIONS = ['batch/v1'] as const;

const TOP_LEVEL = ['apiVersion', 'kind', 'metadata', 'spec', 'namespace'];
/** W&B's agent-side keys: which cluster to use is the agent's business here. */
const AGENT_KEYS: Readonly<Record<string, string>> = {
  configFile: 'which kubeconfig to use is the agent’s setting (KUBECONFIG, or --kubeconfig)',
  context: 'which kubeconfig context to use is the agent’s setting (--kubernetes-context)',
};
/** Metadata tminus sets so that it finds a run's objects again (after an agent restart too). */
const SET_BY_TMINUS_METADATA: Readonly<Record<string, string>> = {
  name: 'tminus names each attempt’s object itself (tminus-<run id>-<attempt>) so that a restarted agent finds it; put your own name in a label',
  generateName: 'tminus names each attempt’s object itself (tminus-<run id>-<attempt>)',
};

/** Keys refused wherever they appear, with why (W&B's `_validate_resource_args` list and more). */
const REFUSED_ANYWHERE: Readonly<Record<string, (value: unknown) => string | undefined>> = {
  hostPath: () => 'a hostPath volume exposes the node’s file system; use a PersistentVolumeClaim',
  hostNetwork: truthy('the pod would share the node’s network namespace'),
  hostPID: truthy('the pod would see every process on the node'),
  hostIPC: truthy('the pod would share the node’s IPC namespace'),
  hostUsers: truthy('the pod would run in the node’s user namespace'),
  shareProcessNamespace: truthy('containers would see each other’s processes'),
  hostPort: truthy('a host port binds on the node itself'),
  automountServiceAccountToken: truthy('runs get no Kubernetes API credentials'),
  serviceAccountToken: () => 'runs get no projected Kubernetes API credentials',
  privileged: truthy('a privileged container is root on the node'),
  allowPrivilegeEscalation: truthy('tminus runs containers without privilege escalation'),
  procMount: (v) => (v === 'Unmasked' ? 'an unmasked /proc exposes the node' : undefined),
  mountPropagation: (v) =>
    v === 'Bidirectional' ? 'bidirectional mount propagation reaches the node' : undefined,
  capabilities: (v) =>
    isObject(v) && Array.isArray(v.add) && v.add.length > 0
      ? 'containers run with every capability dropped; added capabilities are refused'
      : undefined,
  seccompProfile: unconfined('containers run with the runtime’s default seccomp profile'),
  appArmorProfile: unconfined('containers run with the runtime’s default AppArmor profile'),
  runAsUser: (v) => (v === 0 ? 'containers may not run as root (uid 0) by request' : undefined),
};

/** Service account keys: refused unless the queue's own config sets the same account. */
const SERVICE_ACCOUNT_KEYS = ['serviceAccountName', 'serviceAccount'];

function truthy(why: string) {
  return (value: unknown) => (value === false || value === null ? undefined : why);
}

function unconfined(why: string) {
  return (value: unknown) =>
    isObject(value) && value.type === 'Unconfined' ? `${why}; Unconfined is refused` : undefined;
}

/** The service accounts the queue's config names (they are the queue admin's choice). */
function accountsIn(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) accountsIn(item, found);
  else if (isObject(value))
    for (const [key, v] of Object.entries(value)) {
      if (SERVICE_ACCOUNT_KEYS.includes(key) && typeof v === 'string') found.add(v);
      else accountsIn(v, found);
    }
  return found;
}

function scan(value: unknown, path: string, allowedAccounts: Set<string>): string | undefined {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const problem = scan(item, `${path}[${i}]`, allowedAccounts);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (!isObject(value)) return undefined;
  for (const [key, v] of Object.entries(value)) {
    const at = `${path}.${key}`;
    const why = REFUSED_ANYWHERE[key]?.(v);
    if (why !== undefined) return `${at} is refused: ${why}`;
    if (SERVICE_ACCOUNT_KEYS.includes(key) && v !== '' && v !== null) {
      if (typeof v !== 'string' || !allowedAccounts.has(v))
        return `${at} is refused: runs use the namespace’s default service account unless the queue’s own config names one (tminus queue create … --config)`;
    }
    if (key === 'annotations' && isObject(v)) {
      for (const [name, text] of Object.entries(v))
        if (/apparmor|seccomp/i.test(name) && typeof text === 'string' && /unconfined/i.test(text))
          return `${at}["${name}"] is refused: unconfined profiles are not allowed`;
    }
    const problem = scan(v, at, allowedAccounts);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** The namespace the manifest asks for (`metadata.namespace`, then W&B's top-level `namespace`). */
export function requestedNamespace(args: JsonObject): string | undefined {
  const metadata = isObject(args.metadata) ? args.metadata : {};
  const ns = metadata.namespace ?? args.namespace;
  return typeof ns === 'string' && ns !== '' ? ns : undefined;
}

/** Whether the manifest is a custom resource (not a batch/v1 Job): created as given, injected. */
export function isCustomResource(args: JsonObject): boolean {
  return args.apiVersion !== undefined && !JOB_API_VERSIONS.includes(args.apiVersion as 'batch/v1');
}

function shapeProblem(args: JsonObject): string | undefined {
  for (const key of Object.keys(args)) {
    const agentKey = AGENT_KEYS[key];
    if (agentKey !== undefined) return `${AT}.${key} is refused: ${agentKey}`;
    if (!TOP_LEVEL.includes(key))
      return `${AT}.${key} is not part of a manifest tminus creates; it accepts ${TOP_LEVEL.join(', ')}`;
  }
  if (args.metadata !== undefined && !isObject(args.metadata))
    return `${AT}.metadata must be an object`;
  if (args.spec !== undefined && !isObject(args.spec)) return `${AT}.spec must be an object`;
  for (const [key, why] of Object.entries(SET_BY_TMINUS_METADATA))
    if (isObject(args.metadata) && args.metadata[key] !== undefined)
      return `${AT}.metadata.${key} is refused: ${why}`;
  const ns = requestedNamespace(args);
  const nsValue = isObject(args.metadata)
    ? (args.metadata.namespace ?? args.namespace)
    : args.namespace;
  if (nsValue !== undefined && nsValue !== '' && (ns === undefined || !DNS_LABEL.test(ns)))
    return `${AT}.metadata.namespace must be a namespace name (lowercase letters, digits and "-", at most 63); got ${JSON.stringify(nsValue)}`;
  if (!isCustomResource(args)) {
    if (args.kind !== undefined && args.kind !== 'Job')
      return `${AT}.kind must be Job for apiVersion batch/v1 (or give a custom resource's own apiVersion, e.g. kubeflow.org/v1); got ${JSON.stringify(args.kind)}`;
    return undefined;
  }
  if (typeof args.apiVersion !== 'string' || !CUSTOM_API_VERSION.test(args.apiVersion))
    return `${AT}.apiVersion must be batch/v1 or a custom resource's group/version (e.g. kubeflow.org/v1, jobset.x-k8s.io/v1alpha2); got ${JSON.stringify(args.apiVersion)}`;
  if (typeof args.kind !== 'string' || !KIND.test(args.kind))
    return `${AT}.kind must name the custom resource's kind (e.g. PyTorchJob, JobSet); got ${JSON.stringify(args.kind)}`;
  return undefined;
}

/**
 * Why `args` cannot be created on a cluster, naming the field; undefined when they can.
 * `queueArgs`: the queue's own `kubernetes` config, whose service account the queue's runs may use.
 */
export function kubernetesArgsProblem(args: JsonObject, queueArgs?: unknown): string | undefined {
  return shapeProblem(args) ?? scan(args, AT, accountsIn(queueArgs));
}
