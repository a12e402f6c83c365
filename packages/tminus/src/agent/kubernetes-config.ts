/**
 * @module The `kubernetes:` block of launch-config.yaml (W&B's agent has none: it takes the cluster
 * from the environment), the same settings as `tminus agent`'s Kubernetes flags, which win over it.
 * Present, even empty, it gives the agent a Kubernetes runner.
 */
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';

import { z } from 'zod';

import { DNS_LABEL } from '../core/resource-args/kubernetes.js';

const Name = (what: string) =>
  z
    .string({ error: `must be ${what}` })
    .regex(DNS_LABEL, `must be ${what}: lowercase letters, digits and "-", at most 63`);

export const KubernetesFileBlock = z
  .strictObject(
    {
      /** A kubeconfig file, relative to the launch-config file (default: KUBECONFIG, ~/.kube/config, in-cluster). */
      kubeconfig: z.string({ error: 'must be a file' }).min(1).optional(),
      /** A context of the kubeconfig (default: its current one). */
      context: z.string({ error: 'must be a context name' }).min(1).optional(),
      /** The namespace of runs whose resource_args.kubernetes name none. */
      namespace: Name('a namespace name').optional(),
      /** W&B's code PVC: a claim the agent has mounted at mount_path, mounted there in the pods. */
      code_pvc: z
        .strictObject(
          {
            claim: Name('a PersistentVolumeClaim name'),
            mount_path: z
              .string({ error: 'must be an absolute path' })
              .refine(isAbsolute, 'must be an absolute path'),
          },
          { error: 'must be a mapping, e.g. {claim: tminus-code, mount_path: /mnt/tminus}' },
        )
        .optional(),
    },
    {
      error:
        'must be a mapping, e.g. {namespace: ml-runs, context: gpu-cluster} (or {} for the defaults)',
    },
  )
  .nullable();

/** The Kubernetes runner's settings, resolved (paths absolute). */
export interface KubernetesConfig {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
  readonly codeVolume?: { readonly claimName: string; readonly mountPath: string };
}

/** The file's block as settings; relative paths are the file's (where its author was looking from). */
export function kubernetesFromFile(
  block: z.infer<typeof KubernetesFileBlock>,
  fileDir: string,
): KubernetesConfig {
  if (block === null) return {};
  return {
    ...(block.kubeconfig === undefined
      ? {}
      : { kubeconfig: resolve(fileDir, block.kubeconfig.replace(/^~(?=\/)/, homedir())) }),
    ...(block.context === undefined ? {} : { context: block.context }),
    ...(block.namespace === undefined ? {} : { namespace: block.namespace }),
    ...(block.code_pvc === undefined
      ? {}
      : {
          codeVolume: {
            claimName: block.code_pvc.claim,
            mountPath: resolve(block.code_pvc.mount_path),
          },
        }),
  };
}
