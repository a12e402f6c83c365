/**
 * @module Where a launch lands, decided once for the access check and for the enqueue itself (pure):
 * the run's entity (the spec's, else the caller's), the queue's entity (the request's, the spec's
 * `queue_entity`, else the run's) and the entity of the job it names (two-part references take the
 * caller's entity).
 */
import { type LaunchSpec, parseJobRef } from '@tminus/sdk/protocol';

export interface LaunchTargets {
  readonly entity: string;
  readonly queueEntity: string;
  /** Undefined when the spec names no job (a `uri` or an image), or names it badly (refused later). */
  readonly jobEntity: string | undefined;
}

export function launchTargets(
  spec: LaunchSpec,
  queueEntity: string | undefined,
  callerEntity: string,
): LaunchTargets {
  const entity = spec.entity || callerEntity;
  const fromSpec = typeof spec.queue_entity === 'string' ? spec.queue_entity : '';
  const job = spec.job === undefined ? undefined : parseJobRef(spec.job, { entity: callerEntity });
  return {
    entity,
    queueEntity: queueEntity || fromSpec || entity,
    jobEntity: job?.ok ? job.ref.entity : undefined,
  };
}
