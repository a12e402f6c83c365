/**
 * @module Turning an enqueue request into a stored queue item: W&B's server-side steps (queue
 * lookup, priority rule, template variables, queue defaults) plus ours (a `uri` becomes a job, and
 * the job reference is resolved — and pinned to a version — before anything is enqueued).
 */
import { LaunchError } from '@tminus/sdk';
import {
  DEFAULT_PRIORITY,
  type EnqueueRequest,
  type JsonObject,
  type LaunchSpec,
  type Queue,
  type QueueItem,
  RunId,
} from '@tminus/sdk/protocol';

import { gitSourceForUri, jobNameForUri } from '../../core/uri-job.js';
import { resolveTemplateValues, substituteTemplate } from '../../core/template-variables.js';
import { newId } from '../ids.js';
import { topics } from '../notifier.js';
import type { AuthContext } from '../auth.js';
import type { ServiceContext } from './context.js';
import type { EntityService } from './entities.js';
import type { JobService } from './jobs.js';
import type { QueueService } from './queues.js';

const PRIORITY_NAMES = ['critical', 'high', 'medium', 'low'];

export class EnqueueService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly entities: EntityService,
    private readonly queues: QueueService,
    private readonly jobs: JobService,
  ) {}

  async enqueue(auth: AuthContext, request: EnqueueRequest, idempotencyKey: string | undefined): Promise<QueueItem> {
    const spec: LaunchSpec = structuredClone(request.spec);
    spec.entity ??= auth.entity;
    const queueEntity = request.queueEntity ?? (spec.queue_entity as string | undefined) ?? spec.entity;
    const queue = await this.queues.get(queueEntity, request.queue);
    const warnings: string[] = [];
    const priority = this.#priority(queue, request.priority);
    await this.prepareSpec(auth, spec);
    this.#applyQueueDefaults(queue, spec, request.templateVariables ?? spec.template_variables ?? {}, warnings);
    delete spec.template_variables;
    const { item } = await this.ctx.store.enqueue({
      id: newId('qi'),
      queueId: queue.id,
      priority,
      spec,
      templateVariables: request.templateVariables ?? {},
      projectQueue: request.projectQueue ?? 'model-registry',
      warnings,
      idempotencyKey: idempotencyKey === undefined ? null : `${auth.keyId}:${idempotencyKey}`,
      now: this.ctx.now(),
    });
    this.ctx.notifier.notify(topics.queue(queue.id));
    return item;
  }

  /**
   * Source steps shared by enqueue and direct launches: a `uri` becomes a git job version, a job
   * reference is resolved and pinned to `:vN`, the project defaults to the job's.
   */
  async prepareSpec(auth: AuthContext, spec: LaunchSpec): Promise<void> {
    spec.entity ??= auth.entity;
    if (spec.run_id !== undefined) {
      const valid = RunId.safeParse(spec.run_id);
      if (!valid.success) throw new LaunchError('INVALID_ARGUMENT', `run_id "${spec.run_id}" ${valid.error.issues[0]?.message ?? 'is invalid'}`);
      if ((await this.ctx.store.getRun(spec.run_id)) !== undefined) {
        throw new LaunchError('CONFLICT', `A run with id "${spec.run_id}" exists already`, { hint: 'Choose another runId, or omit it to get a generated one.' });
      }
    }
    if (spec.uri !== undefined && spec.uri !== '') {
      const project = spec.project || jobNameForUri(spec.uri).slice(4);
      const created = await this.jobs.create(auth, {
        entity: spec.entity,
        project,
        name: jobNameForUri(spec.uri),
        source: gitSourceForUri(spec.uri, spec.git?.version, spec.overrides?.entry_point),
      });
      spec.job = created.job.ref;
      spec.project = project;
      delete spec.uri;
    }
    if (spec.job !== undefined) {
      const job = await this.jobs.resolve(auth, spec.job);
      spec.job = job.ref;
      spec.project ||= job.project;
    }
    spec.project ||= 'uncategorized';
    await this.entities.ensureProject(spec.entity, spec.project);
  }

  #priority(queue: Queue, priority: number | undefined): number {
    if (priority === undefined || priority === DEFAULT_PRIORITY) return DEFAULT_PRIORITY;
    if (!queue.prioritization) {
      throw new LaunchError(
        'INVALID_ARGUMENT',
        `Queue ${queue.name} does not have prioritization enabled; priority ${priority} (${PRIORITY_NAMES[priority] ?? '?'}) cannot be used`,
        { hint: `Drop the priority, or recreate the queue with \`tminus queue create ${queue.name} --prioritization on\`.` },
      );
    }
    return priority;
  }

  /** The queue's resource wins; template variables are checked and filled into its config. */
  #applyQueueDefaults(queue: Queue, spec: LaunchSpec, supplied: JsonObject, warnings: string[]): void {
    if (spec.resource !== undefined && spec.resource !== queue.resource) {
      warnings.push(`Queue ${queue.name} runs on ${queue.resource}; the spec's resource "${spec.resource}" was replaced.`);
    }
    spec.resource = queue.resource;
    const resolved = resolveTemplateValues(queue.name, queue.templateVariables, supplied);
    if (!resolved.ok) {
      throw new LaunchError('INVALID_ARGUMENT', resolved.message, { details: { variable: resolved.variable } });
    }
    if (Object.keys(supplied).length > 0 && spec.resource_args !== undefined) {
      // W&B: "only one can be set. Using template_variables."
      warnings.push('Both resource_args and template_variables were given; only one can be set. Using template_variables.');
      delete spec.resource_args;
    }
    if (Object.keys(queue.config).length > 0) {
      const filled = substituteTemplate(queue.config, resolved.values) as JsonObject;
      const mine = (spec.resource_args?.[queue.resource] ?? {}) as JsonObject;
      spec.resource_args = { ...spec.resource_args, [queue.resource]: { ...filled, ...mine } };
    }
  }
}
