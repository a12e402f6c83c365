/**
 * @module The local-container runner behind the runner seam: a run is one container on this machine's
 * engine (docker or podman, decision 0021), on the host network. `prepare` makes sure of the image —
 * an image job's or a `docker_image` launch's is pulled when this machine lacks it; a git or code job's
 * is built by the agent's builder (skipped when its tag exists here or in the repository) — and
 * `start` runs it detached, labelled with its run, and follows it (follow.ts). A restarted agent
 * re-attaches to the container by its id and reads its output on from the last line delivered.
 * Decisions 0033–0035; docs/runners.md.
 */
import { join } from 'node:path';

import { type BuilderConfig, createBuilder } from '../../builders/index.js';
import {
  type ContainerEngine,
  ContainerEngineError,
  detectEngine,
  type Labels,
} from '../container-engine/index.js';
import { PrepareError } from '../prepare-error.js';
import type { LaunchPlan, LineSink, ProgramRef, Runner, RunningProgram } from '../runner.js';
import { followContainer } from './follow.js';
import { LogMark } from './log-mark.js';
import { containerArgs, containerName, containerSpec, LABEL, LOCAL_CONTAINER } from './spec.js';

export { LOCAL_CONTAINER } from './spec.js';

export interface LocalContainerOptions {
  /** The engine, or how to find it; by default the one `detectEngine` finds when a run first needs it. */
  readonly engine?: ContainerEngine | (() => Promise<ContainerEngine>);
  /** The agent's `builder` block (W&B's): `docker` by default. */
  readonly builder?: BuilderConfig;
  /** Labels every container and built image carries besides the run's (the agent's, a test's). */
  readonly labels?: Labels;
  readonly log?: (line: string) => void;
}

/** The engine's words, without the command line that said them. */
function said(error: unknown): string {
  if (error instanceof ContainerEngineError) return error.stderr.trim() || error.message;
  return error instanceof Error ? error.message : String(error);
}

/** The file where a container's follower notes its last delivered line (in the run's directory). */
const LOG_MARK_FILE = '.tminus-container-log-mark';

export function localContainerRunner(options: LocalContainerOptions = {}): Runner {
  const log = options.log ?? (() => undefined);
  const labels = options.labels ?? {};
  const builderConfig = options.builder ?? { type: 'docker' };
  let found: Promise<ContainerEngine> | undefined;

  /** The engine; when there is none, a PrepareError saying how to get one (asked again next run). */
  const engineOf = async (): Promise<ContainerEngine> => {
    const given = options.engine;
    if (given !== undefined && typeof given !== 'function') return given;
    found ??= (given ?? (() => detectEngine()))();
    try {
      return await found;
    } catch (error) {
      found = undefined;
      throw new PrepareError(
        `This agent cannot run containers: ${said(error)}`,
        'engine_unavailable',
      );
    }
  };

  /** An image job's image on this machine: pulled when missing. */
  const ensureImage = async (engine: ContainerEngine, image: string, onLine: LineSink) => {
    if (await engine.imageExists(image)) return;
    onLine('system', `tminus: pulling ${image}`);
    try {
      await engine.pull(image, (line) => onLine('system', line));
    } catch (error) {
      throw new PrepareError(
        `Could not pull image ${image}: ${said(error).split('\n').pop()}. Check its name, that this machine reaches its registry, and log in to a private one (${engine.kind} login)`,
        'image_pull_failed',
      );
    }
  };

  /** Earlier attempts' containers of this run still on this machine (their agent lost them). */
  const removeEarlierAttempts = async (
    engine: ContainerEngine,
    plan: LaunchPlan,
    sink: LineSink,
  ) => {
    if (plan.attempt === 1) return;
    const left = await engine.list({ [LABEL.runId]: plan.runId }).catch(() => []);
    for (const container of left) {
      sink('system', `tminus: removing container ${container.name} of an earlier attempt`);
      await engine.remove(container.id, { force: true }).catch(() => undefined);
    }
  };

  return {
    resource: LOCAL_CONTAINER,

    async prepare(plan, onLine) {
      const engine = await engineOf();
      containerArgs(plan); // refused resource_args fail here, before any build
      if (plan.image !== undefined) {
        await ensureImage(engine, plan.image, onLine);
        return plan;
      }
      if (plan.build === undefined || plan.sourceDir === undefined)
        throw new PrepareError(
          'The run names neither an image nor a job with a source to build one from',
          'no_image',
        );
      const { build } = plan;
      const repository = build.repository ?? builderConfig.destination;
      const built = await createBuilder(builderConfig.type, engine).build({
        jobPath: build.jobPath,
        source: {
          dir: plan.sourceDir,
          digest: build.digest,
          ...(build.dockerfile === undefined ? {} : { dockerfile: build.dockerfile }),
        },
        entrypoint: build.entrypoint,
        baseImage: builderConfig.base_image,
        repository,
        push: build.push && repository !== undefined,
        labels,
        // RUN steps (pip install) reach the network the agent reaches; there is no bridge here.
        network: 'host',
        onLine: (line) => onLine('system', line),
      });
      // The source is in the image now (/app, its working directory): nothing to mount.
      return { ...plan, image: built.image, sourceDir: undefined };
    },

    async start(plan, events) {
      const engine = await engineOf();
      if (plan.image === undefined) throw new PrepareError('The run has no image', 'no_image');
      const args = containerArgs(plan);
      await removeEarlierAttempts(engine, plan, events.onLine);
      const name = containerName(plan.runId, plan.attempt);
      const markPath = join(plan.dir, LOG_MARK_FILE);
      const spec = containerSpec({
        plan,
        image: plan.image,
        args,
        mountSource: plan.sourceDir !== undefined,
        labels: {
          ...labels,
          [LABEL.runId]: plan.runId,
          [LABEL.attempt]: String(plan.attempt),
          [LABEL.logMark]: markPath,
        },
        init: engine.kind === 'docker',
      });
      let id;
      try {
        id = await engine.run(spec);
      } catch (error) {
        // A container the engine made but could not start (its program is not in the image).
        await engine.remove(name, { force: true }).catch(() => undefined);
        throw new PrepareError(
          `The container of image ${plan.image} did not start: ${said(error)}`,
          'container_start_failed',
        );
      }
      log(`run ${plan.runId}: container ${id.slice(0, 12)} (${name})`);
      return followContainer(engine, id, new LogMark(markPath, undefined), events, log);
    },

    async reattach(ref: ProgramRef, events): Promise<RunningProgram | undefined> {
      const engine = await engineOf();
      const state = await engine.inspect(ref.id);
      // Gone, or not a container tminus started: nothing to follow.
      if (state === undefined || state.labels[LABEL.runId] === undefined) return undefined;
      const mark = await LogMark.read(state.labels[LABEL.logMark]);
      return followContainer(engine, state.id, mark, events, log);
    },
  };
}
