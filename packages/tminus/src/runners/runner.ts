/**
 * @module The runner seam: what every runner (local process, container, Slurm, Kubernetes) does for
 * the agent. The agent prepares a run (its source on disk, its config file, its variables) into a
 * `LaunchPlan`, picks the runner the queue's `resource` names, and from then on only sees a
 * `RunningProgram`: its output lines, its exit, a way to stop it. A runner keeps its engine's own
 * identifier (`ProgramRef`) so that an agent restarted on the same machine can find the program
 * again. Every runner passes one contract suite (test/helpers/runner-contract.ts).
 */
import type { JsonObject, LogStream } from '@tminus/sdk/protocol';

import type { UnixUser } from './local-process/unix-user.js';

export type LineSink = (stream: LogStream, text: string) => void;

/** Why the engine holds a started program back (a queued Slurm job, an unschedulable pod). */
export interface Waiting {
  /** The engine's own word (`Resources`, `Unschedulable`). */
  readonly reason: string;
  /** What it means, for a person. */
  readonly message: string;
}

/** What a runner tells the agent about a program it started. */
export interface ProgramEvents {
  readonly onLine: LineSink;
  /** The engine holds the program back, or holds it back for another reason than before. */
  readonly onWaiting?: (waiting: Waiting) => void;
}

/** What a runner's engine calls the program (a process group, a container, a Slurm job); JSON. */
export interface ProgramRef {
  readonly resource: string;
  readonly id: string;
}

export interface ProgramExit {
  /** The exit code, or 128 + the signal number when a signal ended the program (as shells report it). */
  readonly exitCode: number;
  readonly signal: NodeJS.Signals | null;
  /** Why the engine ended it, when it says so (`oom_killed`, `timeout`, `preempted`, …). */
  readonly reason?: string;
  /** A sentence for the run's failure message, when the engine has a better one than the exit code. */
  readonly message?: string;
}

export interface RunningProgram {
  readonly ref: ProgramRef;
  /** Resolves once the engine actually runs the program (at once for a process; a queued job later). */
  readonly running: Promise<void>;
  /** Resolves once the program has ended and all of its output has been delivered. */
  readonly exited: Promise<ProgramExit>;
  /** Asks it to stop (SIGTERM or the engine's equivalent), kills it after `graceMs`; resolves on exit. */
  stop(graceMs: number): Promise<ProgramExit>;
}

/** How the agent's own environment reaches a program that inherits it (runners/local-process/run-env.ts). */
export interface EnvInheritance {
  readonly baseEnv: NodeJS.ProcessEnv;
  /** Names withheld besides tminus's credentials (`PREFIX*` allowed). */
  readonly secretEnv: readonly string[];
  /** Whether `WANDB_API_KEY` and `WANDB_BASE_URL` pass through. */
  readonly wandbCredentials: boolean;
}

/** A run, prepared on the agent and ready to hand to a runner. */
export interface LaunchPlan {
  readonly runId: string;
  readonly attempt: number;
  /** The program and its arguments; empty: the image's own entry point (container runners). */
  readonly argv: readonly string[];
  /** The run's own variables (tminus's and W&B's: ids, config, run token); see run-variables.ts. */
  readonly runEnv: Readonly<Record<string, string>>;
  readonly inherit: EnvInheritance;
  /** The run's directory on the agent's machine; the config file is `<dir>/config.json`. */
  readonly dir: string;
  readonly configPath: string;
  /** The job's source on the agent's machine, when it has one (git and code jobs). */
  readonly sourceDir: string | undefined;
  /** How messages name the source, e.g. `alice/demo/train:v3 at 1a2b3c4`. */
  readonly sourceLabel: string;
  /** The image the program runs in (container runners), as the job or the launch names it. */
  readonly image: string | undefined;
  /** `resource_args[<resource>]` of the launch spec, after the queue's template variables. */
  readonly resourceArgs: JsonObject;
  /** The Unix user the program runs as, when it is not the agent's own. */
  readonly user?: UnixUser;
  /** What an image of the job's source is built from (git and code jobs), for runners that run images. */
  readonly build?: BuildInputs;
}

/** What a runner that runs images builds a git or code job's image from (see builders/). */
export interface BuildInputs {
  /** `entity/project/name` of the job. */
  readonly jobPath: string;
  /** What identifies the source: the git commit, or the code snapshot's digest. */
  readonly digest: string;
  /** The job's entry point (a generated Dockerfile's ENTRYPOINT). */
  readonly entrypoint: readonly string[];
  /** `overrides.dockerfile`: a Dockerfile inside the source. */
  readonly dockerfile?: string;
  /** The launch's repository (`-rg`, `registry.url`); the agent's `builder.destination` otherwise. */
  readonly repository?: string;
  /** `build: true`: push the image to the repository. */
  readonly push: boolean;
}

export interface Runner {
  /** The queue `resource` it serves, e.g. `local-process`. */
  readonly resource: string;
  /**
   * What the run needs beyond its source before it can start — an image built or pulled — streaming
   * the work's output to `onLine`. Throws a `PrepareError` (stage `agent` or `build`) the user can act on.
   */
  prepare(plan: LaunchPlan, onLine: LineSink): Promise<LaunchPlan>;
  /** Starts the program (or hands it to its engine); rejects with a `PrepareError` when it cannot. */
  start(plan: LaunchPlan, events: ProgramEvents): Promise<RunningProgram>;
  /**
   * A program an earlier agent on this machine started: followed again when the engine allows it;
   * otherwise it is stopped and `undefined` is returned (as when it is gone already).
   */
  reattach(ref: ProgramRef, events: ProgramEvents): Promise<RunningProgram | undefined>;
}
