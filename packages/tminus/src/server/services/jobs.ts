import { LaunchError } from '@tminus/sdk';
import {
  type CreateJobRequest,
  type CreateJobResponse,
  type JobSource,
  type JobVersion,
  JOB_REF_FORM,
  type JobRef,
  parseJobRef,
  versionIndexOf,
} from '@tminus/sdk/protocol';

import { checkGitRemote } from '../../core/git-remote.js';
import { BoundedMap } from '../../lib/bounded-map.js';
import { sha256Hex } from '../ids.js';
import type { AuthContext } from '../auth.js';
import type { ServiceContext } from './context.js';
import type { EntityService } from './entities.js';

/** Canonical JSON (sorted keys), so equal sources get equal digests. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What a launch spec takes from its job: the reference pinned to a version, and the job's project. */
export interface PinnedJob {
  readonly ref: string;
  readonly project: string;
  readonly entity: string;
  /** The code snapshot a code job runs. */
  readonly codeDigest: string | null;
}

export class JobService {
  readonly #ctx: ServiceContext;
  readonly #entities: EntityService;
  // Job versions are never changed or deleted (the API has no such call), so what a pinned reference
  // (`:v3`) names is fixed: enqueues, which pin every reference, look each version up once. An alias
  // (`:latest`) moves when a version is created, possibly by another server, so it is looked up each time.
  readonly #pinned = new BoundedMap<string, PinnedJob>(10_000);

  constructor(ctx: ServiceContext, entities: EntityService) {
    this.#ctx = ctx;
    this.#entities = entities;
  }

  async create(auth: AuthContext, request: CreateJobRequest): Promise<CreateJobResponse> {
    const entity = request.entity ?? auth.entity;
    await this.#checkSource(request.source);
    await this.#entities.ensureProject(entity, request.project);
    const digest = `sha256:${sha256Hex(canonical(request.source))}`;
    const { store } = this.#ctx;
    // Before the version exists: the entity's readers (and its agents) may fetch the snapshot.
    if (request.source.type === 'code') await store.addBlobRef(request.source.digest, entity);
    const same = await store.findJobVersionByDigest(entity, request.project, request.name, digest);
    if (same !== undefined) return { action: 'unchanged', job: same };
    const { job, jobCreated } = await store.createJobVersion({
      entity,
      project: request.project,
      name: request.name,
      source: request.source,
      digest,
      description: request.description ?? null,
      aliases: (request.aliases ?? []).filter((a) => a !== 'latest'),
      now: this.#ctx.now(),
    });
    return { action: jobCreated ? 'created' : 'updated', job };
  }

  async #checkSource(source: JobSource): Promise<void> {
    if (source.type === 'git') {
      // The rule the agent applies before it fetches: a job no agent would fetch is refused here.
      const check = checkGitRemote(source.remote);
      if (!check.ok) {
        throw new LaunchError('INVALID_ARGUMENT', check.problem, {
          hint: 'Use https://, ssh://, user@host:path or a local path (/…, ./…, ../…, ~/…).',
        });
      }
    }
    if (source.type === 'code' && !(await this.#ctx.blobs.has(source.digest))) {
      throw new LaunchError('NOT_FOUND', `Code snapshot ${source.digest} has not been uploaded`, {
        hint: 'Upload the snapshot (PUT /api/v1/blobs) before creating the job; `tminus job create code DIR` does both.',
      });
    }
    for (const part of source.entrypoint ?? []) {
      if (part.split(/[/\\]/).includes('..')) {
        throw new LaunchError('INVALID_ARGUMENT', `Entrypoint "${part}" must not contain ".."`);
      }
    }
  }

  /** Resolves `entity/project/name:alias` (two-part references take `callerEntity`). */
  async resolve(callerEntity: string, ref: string): Promise<JobVersion> {
    return this.#get(this.#parse(callerEntity, ref));
  }

  /** `resolve`, for a launch spec: the reference pinned to its version (`:latest` → `:v3`), and the project. */
  async pin(callerEntity: string, ref: string): Promise<PinnedJob> {
    const parsed = this.#parse(callerEntity, ref);
    const { entity, project, name, alias } = parsed;
    if (versionIndexOf(alias) !== undefined) {
      const cached = this.#pinned.get(`${entity}/${project}/${name}:${alias}`);
      if (cached !== undefined) return cached;
    }
    const job = await this.#get(parsed);
    const pinned = {
      ref: job.ref,
      project: job.project,
      entity: job.entity,
      codeDigest: job.source.type === 'code' ? job.source.digest : null,
    };
    this.#pinned.set(job.ref, pinned);
    return pinned;
  }

  #parse(callerEntity: string, ref: string): JobRef {
    const parsed = parseJobRef(ref, { entity: callerEntity });
    if (!parsed.ok) {
      throw new LaunchError('INVALID_ARGUMENT', parsed.message, {
        hint: `Use ${JOB_REF_FORM}, e.g. alice/mnist/train:latest.`,
      });
    }
    return parsed.ref;
  }

  async #get({ entity, project, name, alias }: JobRef): Promise<JobVersion> {
    const job = await this.#ctx.store.getJobVersion(entity, project, name, alias);
    if (job === undefined) {
      throw new LaunchError('NOT_FOUND', `Job ${entity}/${project}/${name}:${alias} not found`, {
        hint: `List jobs with \`tminus job list -e ${entity} -p ${project}\`, or create it with \`tminus job create\`.`,
      });
    }
    return job;
  }
}
