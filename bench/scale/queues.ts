/** The queues the scale bench uses, and the no-op job it launches on them (nothing runs it: no agent process). */
import type { Api } from '@tminus/sdk';

/** Where the measured items wait. */
export const QUEUE = 'scale';
/** Where warm-up lifecycles run, apart from the measured items. */
export const WARM_QUEUE = 'warm';

/** Creates `QUEUE` and the job `bench/noop` (an image nobody pulls); returns the job's ref. */
export async function createQueueAndJob(api: Api): Promise<string> {
  await api.request('createQueue', { body: { name: QUEUE } });
  return (
    await api.request('createJob', {
      body: { project: 'bench', name: 'noop', source: { type: 'image', image: 'noop:1' } },
    })
  ).job.ref;
}
