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

import { buildOptionsProblem } from '../../core/build-options.js';
import { launchTargets } from '../../core/launch-targets.js';
import { resourceArgsProblem } from '../../core/resource-args/index.js';
import { runVariablesProblem } from '../../core/run-variables-limit.js';
import { gitSourceForUri, jobNameForUri } from '../../core/uri-job.js';
import { BoundedMap } from '../../lib/bounded-map.js';
import {
  mergeTemplateValues,
  resolveTemplateValues,
  substituteTemplate,
  unfilledTemplateProblem,
} from '../../core/template-variables.js';
import { newId } from '../ids.js';
import { topics } from '../notifier.js';
import type { NewQueueItem } from '../../store/store.js';
import type { AuthContext } from '../auth.js';
import type { ServiceContext } from './context.js';
import type { EntityService } from './entities.js';
import type { JobService, PinnedJob } from './jobs.js';
import type { QueueService } from './queues.js';

const PRIORITY_NAMES = ['critical', 'high', 'medium', 'low'];

/** Lookups the items of one request share: a batch of 10,000 resolves its queue and job once. */
interface Lookups {
  readonly queues: Map<string, Promise<Queue>>;
  readonly jobs: Map<string, Promise<PinnedJob>>;
}
const newLookups = (): Lookups => ({ queues: new Map(), jobs: new Map() });

function memo<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let value = cache.get(key);
  if (value === undefined) cache.set(key, (value = load()));
  return value;
}

/** The user a launch is recorded as made by (only user keys launch; see access/policies.ts). */
export const launcherOf = (auth: AuthContext) => (auth.kind === 'user' ? auth.user : null);

/** Idempotency keys are scoped to the API key that sent them. */
const scopeKey = (auth: AuthContext, key: string | undefined) =>
  key === undefined ? null : `${auth.keyId}:${key}`;

export class EnqueueService {
  /** Blob grants made (digest, entity): each is written once per replica. */
  readonly #granted = new BoundedMap<string, true>(10_000);

  constructor(
    private readonly ctx: ServiceContext,
    private readonly entities: EntityService,
    private readonly queues: QueueService,
    private readonly jobs: JobService,
  ) {}

  async enqueue(
    auth: AuthContext,
    request: EnqueueRequest,
    idempotencyKey: string | undefined,
  ): Promise<QueueItem> {
    const prepared = await this.#prepare(
      auth,
      request,
      scopeKey(auth, idempotencyKey),
      newLookups(),
    );
    const { item, existed } = await this.ctx.store.enqueue(prepared);
    if (!existed) this.ctx.notifier.notifyEach(topics.queue(item.queueId));
    return item;
  }

  /**
   * Every item checked first, then all stored in one transaction: a batch is enqueued whole or not at
   * all, and an error names the item (`items[3]: …`). Item i of a retried batch (same idempotency
   * key) returns the first batch's item i.
   */
  async enqueueMany(
    auth: AuthContext,
    requests: readonly EnqueueRequest[],
    idempotencyKey: string | undefined,
  ): Promise<QueueItem[]> {
    const lookups = newLookups();
    const key = scopeKey(auth, idempotencyKey);
    const prepared: NewQueueItem[] = [];
    for (const [index, request] of requests.entries()) {
      try {
        prepared.push(
          await this.#prepare(auth, request, key === null ? null : `${key}:${index}`, lookups),
        );
      } catch (error) {
        throw error instanceof LaunchError
          ? new LaunchError(error.code, `items[${index}]: ${error.message}`, {
              ...(error.hint === undefined ? {} : { hint: error.hint }),
              details: { ...error.details, index },
            })
          : error;
      }
    }
    const results = await this.ctx.store.enqueueMany(prepared);
    const fresh = new Map<string, number>();
    for (const r of results)
      if (!r.existed) fresh.set(r.item.queueId, (fresh.get(r.item.queueId) ?? 0) + 1);
    for (const [queueId, count] of fresh)
      this.ctx.notifier.notifyEach(topics.queue(queueId), count);
    return results.map((r) => r.item);
  }

  async #prepare(
    auth: AuthContext,
    request: EnqueueRequest,
    idempotencyKey: string | null,
    lookups: Lookups,
  ): Promise<NewQueueItem> {
    const spec: LaunchSpec = structuredClone(request.spec);
    const { queueEntity } = launchTargets(spec, request.queueEntity, auth.entity);
    const queue = await memo(lookups.queues, `${queueEntity}/${request.queue}`, () =>
      this.queues.get(queueEntity, request.queue),
    );
    const warnings: string[] = [];
    const priority = this.#priority(queue, request.priority);
    const buildProblem = buildOptionsProblem(spec, queue.resource);
    if (buildProblem !== undefined) {
      throw new LaunchError('INVALID_ARGUMENT', buildProblem, {
        hint: `Queue ${queue.name} runs on ${queue.resource}. Images are built and run by agents of queues whose resource runs them (local-container, kubernetes).`,
      });
    }
    const job = await this.prepareSpec(auth, spec, lookups);
    // The queue's agents fetch the job's code, which may belong to another entity.
    if (job?.codeDigest != null && job.entity !== queueEntity) {
      await this.#grantBlob(job.codeDigest, queueEntity);
    }
    // W&B's launch_add: the spec's template_variables under the request's, key by key.
    const templateVariables = mergeTemplateValues(
      spec.template_variables,
      request.templateVariables,
    );
    delete spec.template_variables;
    this.#applyQueueDefaults(queue, spec, templateVariables, warnings);
    const problem = resourceArgsProblem(
      queue.resource,
      spec.resource_args?.[queue.resource],
      queue.config,
    );
    if (problem !== undefined) {
      throw new LaunchError('INVALID_ARGUMENT', problem, {
        hint: `See what the ${queue.resource} runner accepts in docs/runners.md; the queue's config (tminus queue describe ${queue.name}) is merged under yours.`,
      });
    }
    return {
      id: newId('qi'),
      queueId: queue.id,
      priority,
      spec,
      templateVariables,
      projectQueue: request.projectQueue ?? 'model-registry',
      warnings,
      createdBy: launcherOf(auth),
      idempotencyKey,
      now: this.ctx.now(),
    };
  }

  async #grantBlob(digest: string, entity: string): Promise<void> {
    const key = `${digest} ${entity}`;
    if (this.#granted.has(key)) return;
    await this.ctx.store.addBlobRef(digest, entity);
    this.#granted.set(key, true);
  }

  /**
   * Source steps shared by enqueue and direct launches: a `uri` becomes a git job version, a job
   * reference is resolved and pinned to `:vN`, the project defaults to the job's.
   */
  async prepareSpec(
    auth: AuthContext,
    spec: LaunchSpec,
    lookups: Lookups = newLookups(),
  ): Promise<PinnedJob | undefined> {
    // W&B keeps "" as given and reads it downstream as "not set"; so does tminus (decision 0024).
    for (const key of ['entity', 'project', 'name', 'run_id', 'queue_entity'] as const)
      if (spec[key] === '') delete spec[key];
    const tooLarge = runVariablesProblem(spec);
    if (tooLarge !== undefined) {
      throw new LaunchError('INVALID_ARGUMENT', tooLarge, {
        hint: 'Pass large inputs as files or artifacts the program reads (a path or a name in the config), not in the config itself.',
      });
    }
    const entity = launchTargets(spec, undefined, auth.entity).entity;
    spec.entity = entity;
    if (spec.run_id !== undefined) {
      const valid = RunId.safeParse(spec.run_id);
      if (!valid.success)
        throw new LaunchError(
          'INVALID_ARGUMENT',
          `run_id "${spec.run_id}" ${valid.error.issues[0]?.message ?? 'is invalid'}`,
        );
      if ((await this.ctx.store.getRun(spec.run_id)) !== undefined) {
        throw new LaunchError('CONFLICT', `A run with id "${spec.run_id}" exists already`, {
          hint: 'Choose another runId, or omit it to get a generated one.',
        });
      }
    }
    if (spec.uri !== undefined && spec.uri !== '') {
      const project = spec.project || jobNameForUri(spec.uri).slice(4);
      const created = await this.jobs.create(auth, {
        entity,
        project,
        // W&B's `-J/--job-name`, else `job-<repository>`.
        name: spec.job_name ?? jobNameForUri(spec.uri),
        source: gitSourceForUri(spec.uri, spec.git?.version, spec.overrides?.entry_point),
      });
      spec.job = created.job.ref;
      spec.project = project;
      delete spec.uri;
    }
    let job: PinnedJob | undefined;
    if (spec.job !== undefined) {
      const ref = spec.job;
      job = await memo(lookups.jobs, ref, () => this.jobs.pin(auth.entity, ref));
      spec.job = job.ref;
      spec.project ||= job.project;
    }
    spec.project ||= 'uncategorized';
    await this.entities.ensureProject(entity, spec.project);
    return job;
  }

  #priority(queue: Queue, priority: number | undefined): number {
    if (priority === undefined || priority === DEFAULT_PRIORITY) return DEFAULT_PRIORITY;
    if (!queue.prioritization) {
      throw new LaunchError(
        'INVALID_ARGUMENT',
        `Queue ${queue.name} does not have prioritization enabled; priority ${priority} (${PRIORITY_NAMES[priority] ?? '?'}) cannot be used`,
        {
          hint: `Drop the priority, or recreate the queue with \`tminus queue create ${queue.name} --prioritization on\`.`,
        },
      );
    }
    return priority;
  }

  /** The queue's resource wins; template variables are checked and filled into its config. */
  #applyQueueDefaults(
    queue: Queue,
    spec: LaunchSpec,
    supplied: JsonObject,
    warnings: string[],
  ): void {
    if (
      typeof spec.resource === 'string' &&
      spec.resource !== '' &&
      spec.resource !== queue.resource
    ) {
      warnings.push(
        `Queue ${queue.name} runs on ${queue.resource}; the spec's resource "${spec.resource}" was replaced.`,
      );
    }
    spec.resource = queue.resource;
    const resolved = resolveTemplateValues(queue.name, queue.templateVariables, supplied);
    if (!resolved.ok) {
      throw new LaunchError('INVALID_ARGUMENT', resolved.message, {
        details: { variable: resolved.variable },
      });
    }
    if (Object.keys(supplied).length > 0 && spec.resource_args !== undefined) {
      // W&B: "only one can be set. Using template_variables."
      warnings.push(
        'Both resource_args and template_variables were given; only one can be set. Using template_variables.',
      );
      delete spec.resource_args;
    }
    if (Object.keys(queue.config).length > 0) {
      const filled = substituteTemplate(queue.config, resolved.values) as JsonObject;
      const unfilled = unfilledTemplateProblem(queue.name, queue.templateVariables, filled);
      if (unfilled !== undefined) {
        throw new LaunchError('INVALID_ARGUMENT', unfilled.message, {
          hint: unfilled.hint,
          details: { variable: unfilled.variable },
        });
      }
      const mine = (spec.resource_args?.[queue.resource] ?? {}) as JsonObject;
      spec.resource_args = { ...spec.resource_args, [queue.resource]: { ...filled, ...mine } };
    }
  }
}
