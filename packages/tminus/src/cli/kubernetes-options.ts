/**
 * @module `tminus agent`'s Kubernetes flags and the runner they make: `--kubernetes` gives the agent
 * a runner for queues whose resource is `kubernetes` (W&B's `kubernetes` runner); the cluster is the
 * kubeconfig's (KUBECONFIG, ~/.kube/config) or, in a pod, the in-cluster service account's. The same
 * settings can be given as `kubernetes:` in launch-config.yaml; the flags win.
 */
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';

import type { Command } from 'commander';

import type { KubernetesConfig } from '../agent/kubernetes-config.js';
import { DNS_LABEL } from '../core/resource-args/kubernetes.js';
import {
  describePermission,
  missingPermissions,
  roleFor,
} from '../runners/kubernetes/access-check.js';
import type { KubeApi } from '../runners/kubernetes/kube-api.js';
import { kubernetesRunner } from '../runners/kubernetes/runner.js';
import type { Runner } from '../runners/runner.js';
import { UsageError } from './usage-error.js';

export interface KubernetesFlags {
  kubernetes?: boolean;
  kubeconfig?: string;
  kubernetesContext?: string;
  kubernetesNamespace?: string;
  kubernetesCodePvc?: string;
}

export function addKubernetesOptions(command: Command): Command {
  return command
    .option(
      '--kubernetes',
      'also run the runs of queues whose resource is "kubernetes": each run becomes a Job (or the custom resource its resource_args.kubernetes gives, e.g. a PyTorchJob) on the cluster of the kubeconfig (KUBECONFIG, ~/.kube/config) or, in a pod, the in-cluster one; a pending pod’s scheduler message shows in `tminus run explain`. See docs/runners.md',
    )
    .option('--kubeconfig <file>', 'the kubeconfig to use (implies --kubernetes)')
    .option('--kubernetes-context <name>', 'a context of the kubeconfig (implies --kubernetes)')
    .option(
      '--kubernetes-namespace <ns>',
      'the namespace of runs whose resource_args.kubernetes name none (default: the context’s, else "default"; implies --kubernetes)',
    )
    .option(
      '--kubernetes-code-pvc <claim:mount-path>',
      'a PersistentVolumeClaim the agent has mounted at mount-path, which the runs’ pods mount there too: git and code jobs’ sources and config files go on it (W&B’s code PVC; implies --kubernetes)',
    );
}

function codeVolume(value: string) {
  const [claimName = '', ...rest] = value.split(':');
  const mountPath = rest.join(':');
  if (!DNS_LABEL.test(claimName) || !isAbsolute(mountPath))
    throw new UsageError(
      `--kubernetes-code-pvc ${value}: expected <claim>:<absolute mount path>`,
      'e.g. --kubernetes-code-pvc tminus-code:/mnt/tminus',
    );
  return { claimName, mountPath: resolve(mountPath) };
}

/** The flags as the agent's config takes them (only those given; any of them implies --kubernetes). */
export function kubernetesFlags(flags: KubernetesFlags): { kubernetes?: KubernetesConfig } {
  const { kubeconfig, kubernetesContext: context, kubernetesNamespace: namespace } = flags;
  const pvc = flags.kubernetesCodePvc;
  const on =
    flags.kubernetes === true || [kubeconfig, context, namespace, pvc].some((v) => v !== undefined);
  if (!on) return {};
  if (namespace !== undefined && !DNS_LABEL.test(namespace))
    throw new UsageError(
      `--kubernetes-namespace ${namespace} is not a namespace name`,
      'lowercase letters, digits and "-", at most 63',
    );
  return {
    kubernetes: {
      ...(kubeconfig === undefined ? {} : { kubeconfig: resolve(kubeconfig) }),
      ...(context === undefined ? {} : { context }),
      ...(namespace === undefined ? {} : { namespace }),
      ...(pvc === undefined ? {} : { codeVolume: codeVolume(pvc) }),
    },
  };
}

/** The Kubernetes runner the config asks for (none when it asks for none), connected before the agent registers. */
export async function kubernetesRunners(
  config: { readonly kubernetes?: KubernetesConfig },
  workDir: string,
  log: (line: string) => void,
): Promise<Runner[]> {
  if (config.kubernetes === undefined) return [];
  const { kubeconfig, context, namespace, codeVolume: code } = config.kubernetes;
  try {
    const runner = await kubernetesRunner({
      cluster: {
        ...(kubeconfig === undefined ? {} : { kubeconfig }),
        ...(context === undefined ? {} : { context }),
      },
      ...(namespace === undefined ? {} : { namespace }),
      ...(code === undefined ? {} : { codeVolume: code }),
      agent: hostname(),
      stateDir: resolve(workDir, 'kubernetes'),
      log,
    });
    log(`Kubernetes runner: runs of "kubernetes" queues are Jobs on ${runner.api.server}`);
    await sayMissingPermissions(
      runner.api,
      namespace ?? runner.api.contextNamespace ?? 'default',
      log,
    );
    return [runner];
  } catch (error) {
    throw new UsageError(
      `The Kubernetes runner cannot work here: ${(error as Error).message}`,
      'Set KUBECONFIG or pass --kubeconfig (or kubernetes: {kubeconfig: …, context: …} in launch-config.yaml), or run the agent in a pod with a service account that may create Jobs, Secrets and read pods, their logs and Events.',
    );
  }
}

/**
 * Says at start what the agent's account may not do in its default namespace (runs there would fail
 * at that step), with a Role that grants it. Not fatal: runs may name other namespaces.
 */
async function sayMissingPermissions(
  api: KubeApi,
  namespace: string,
  log: (line: string) => void,
): Promise<void> {
  const missing = await missingPermissions(api, namespace);
  if (missing === undefined)
    return log(`Kubernetes: cannot check the agent's permissions in namespace ${namespace}`);
  if (missing.length === 0) return;
  log(
    `Kubernetes: in namespace ${namespace} the agent's account may not ${missing
      .map(describePermission)
      .join(
        '; ',
      )}. Runs there will fail at that step. A Role that grants it (bind it to the account with a RoleBinding):\n${roleFor(namespace, missing)}`,
  );
}
