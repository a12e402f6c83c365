/**
 * @module One `squeue` call per tick for all the jobs a runner follows (not one per job): each
 * follower is told its job's status, or `undefined` once Slurm no longer lists it. A failing squeue
 * (the controller restarting) is retried on the next tick; followers hear of it through `onError`.
 */
import type { SlurmCommands } from './commands.js';
import type { JobStatus } from './status.js';

export interface JobFollower {
  /** The job's status this tick; `undefined`: Slurm does not know the job (any more). */
  onStatus(status: JobStatus | undefined): Promise<void> | void;
  onError?(error: Error): void;
}

export class JobWatch {
  readonly #followers = new Map<string, Set<JobFollower>>();
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;

  constructor(
    private readonly commands: SlurmCommands,
    private readonly intervalMs: number,
  ) {}

  /** Follows `jobId` from the next tick on; the returned function stops. */
  follow(jobId: string, follower: JobFollower): () => void {
    let set = this.#followers.get(jobId);
    if (set === undefined) this.#followers.set(jobId, (set = new Set()));
    set.add(follower);
    this.#schedule();
    return () => {
      set.delete(follower);
      if (set.size === 0) this.#followers.delete(jobId);
    };
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#ticking || this.#followers.size === 0) return;
    this.#timer = setTimeout(() => void this.#tick(), this.intervalMs);
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    this.#ticking = true;
    const ids = [...this.#followers.keys()];
    const followers = ids.flatMap((id) =>
      [...(this.#followers.get(id) ?? [])].map((f) => ({ id, f })),
    );
    try {
      const statuses = new Map((await this.commands.squeue(ids)).map((s) => [s.id, s]));
      await Promise.all(
        followers.map(({ id, f }) =>
          Promise.resolve()
            .then(() => f.onStatus(statuses.get(id)))
            .catch((error: unknown) => f.onError?.(error as Error)),
        ),
      );
    } catch (error) {
      for (const { f } of followers) f.onError?.(error as Error);
    } finally {
      this.#ticking = false;
      this.#schedule();
    }
  }
}
