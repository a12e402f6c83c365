/** Bounded concurrency for bench clients: many calls, a fixed number in flight. */

/** Runs `work(i)` for i in [0, total) with `concurrency` in flight, results in index order. */
export async function mapPool<T>(
  total: number,
  concurrency: number,
  work: (i: number) => Promise<T>,
): Promise<T[]> {
  const out = new Array<T>(total);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      for (let i = next++; i < total; i = next++) out[i] = await work(i);
    }),
  );
  return out;
}
