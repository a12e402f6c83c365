import { describe, expect, it } from 'vitest';

import { mayRetry } from './retry-policy.js';

describe('retry policy', () => {
  it.each<[string, string, string | null, number, number | null, boolean]>([
    ['a queued run under maxAttempts', 'running', 'qi', 1, 2, true],
    ['its last allowed attempt', 'running', 'qi', 2, 2, false],
    ['a queue that retries none (the default)', 'running', 'qi', 1, null, false],
    ['a run being stopped', 'stopping', 'qi', 1, 3, false],
    ['a direct run (no queue item)', 'running', null, 1, 3, false],
    ['a starting run', 'starting', 'qi', 1, 2, true],
  ])('%s: %s', (_name, state, queueItemId, attempt, maxAttempts, retried) => {
    expect(mayRetry({ state, queueItemId, attempt }, maxAttempts)).toBe(retried);
  });
});
