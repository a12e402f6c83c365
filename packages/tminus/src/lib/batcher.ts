/**
 * @module Natural batching: a call made while `concurrency` batches are in flight waits, and every
 * call that waited goes out together in the next batch. Under light load each call runs at once and
 * alone (no timer, no added latency); under load one round trip serves many calls, so the work per
 * call falls as the load rises instead of queueing. The PostgreSQL store's hot writes use it.
 */
export class Batcher<In, Out> {
  readonly #waiting: Waiting<In, Out>[] = [];
  #inFlight = 0;

  /**
   * @param runBatch answers each input, in order (`outputs[i]` for `inputs[i]`). All or nothing: when it
   *   throws it has changed nothing, so each call of the batch is run again alone.
   * @param concurrency batches in flight at once.
   * @param maxBatch calls in one batch at most.
   * @param keyOf calls with the same key never share a batch (one statement must not change a row twice); a later one waits for the next.
   */
  constructor(
    private readonly runBatch: (inputs: readonly In[]) => Promise<readonly Out[]>,
    private readonly concurrency: number,
    private readonly maxBatch = 500,
    private readonly keyOf?: (input: In) => string,
  ) {}

  call(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.#waiting.push({ input, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.concurrency && this.#waiting.length > 0) {
      const batch = this.#take();
      this.#inFlight++;
      void this.#settle(batch).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  /** Runs a batch; one that fails is run again a call at a time, so that only the failing call sees its error. */
  async #settle(batch: readonly Waiting<In, Out>[]): Promise<void> {
    try {
      const outputs = await this.runBatch(batch.map((b) => b.input));
      if (outputs.length !== batch.length)
        throw new Error(
          `a batch of ${batch.length} calls was answered with ${outputs.length} results`,
        );
      batch.forEach((b, i) => b.resolve(outputs[i] as Out));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      for (const call of batch) await this.#settle([call]);
    }
  }

  /** The next batch: waiting calls in order, up to `maxBatch`, each key at most once. */
  #take(): Waiting<In, Out>[] {
    const keyOf = this.keyOf;
    if (keyOf === undefined) return this.#waiting.splice(0, this.maxBatch);
    const keys = new Set<string>();
    const batch: Waiting<In, Out>[] = [];
    const left: Waiting<In, Out>[] = [];
    for (const call of this.#waiting) {
      const key = keyOf(call.input);
      if (batch.length < this.maxBatch && !keys.has(key)) {
        keys.add(key);
        batch.push(call);
      } else left.push(call);
    }
    this.#waiting.splice(0, this.#waiting.length, ...left);
    return batch;
  }
}

interface Waiting<In, Out> {
  readonly input: In;
  readonly resolve: (out: Out) => void;
  readonly reject: (error: unknown) => void;
}
