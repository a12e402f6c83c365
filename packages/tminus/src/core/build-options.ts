/**
 * @module The build options of a launch (W&B's `build`, `-J`, `-B`, `--build-context`), checked at
 * enqueue (pure): what belongs to a `uri` needs one, and what needs an image cannot run on
 * local-process. The build itself is the agent's (its runner and builder, decision 0028).
 */
import { type LaunchSpec, Name } from '@tminus/sdk/protocol';

const URI_JOB_KEYS = ['job_name', 'base_image', 'build_context'] as const;

/** Undefined when the spec's build options fit; else what is wrong, in a sentence. */
export function buildOptionsProblem(spec: LaunchSpec, resource: string): string | undefined {
  const hasUri = typeof spec.uri === 'string' && spec.uri !== '';
  const orphan = URI_JOB_KEYS.filter((key) => spec[key] !== undefined);
  if (!hasUri && orphan.length > 0)
    return `${orphan.join(', ')} describe${orphan.length === 1 ? 's' : ''} the job made from a uri (-u), and this launch has no uri`;
  if (spec.job_name !== undefined) {
    const name = Name.safeParse(spec.job_name);
    if (!name.success)
      return `job_name "${spec.job_name}" ${name.error.issues[0]?.message ?? 'is not a valid job name'}`;
  }
  if (resource === 'local-process') {
    if (spec.build === true) return 'Cannot build a docker image for the resource: local-process';
    if (spec.base_image !== undefined)
      return `A base image (${spec.base_image}) needs a runner that runs images, not local-process`;
  }
  return undefined;
}
