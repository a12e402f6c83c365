import { describe, expect, it } from 'vitest';

import { heldReason, nextLookMs, type EventView } from './held-reason.js';

const job = { kind: 'Job', name: 'tminus-r1-1' };

describe('why a held Kubernetes attempt waits, from Warning Events', () => {
  it('the newest Warning wins; Normal events are not reasons', () => {
    const events: EventView[] = [
      {
        type: 'Warning',
        reason: 'FailedCreate',
        message: 'old quota',
        lastTimestamp: '2026-12-05T01:00:00Z',
        involvedObject: job,
      },
      {
        type: 'Normal',
        reason: 'SuccessfulCreate',
        message: 'Created pod',
        lastTimestamp: '2026-12-05T03:00:00Z',
        involvedObject: job,
      },
      {
        type: 'Warning',
        reason: 'FailedMount',
        message: 'MountVolume.SetUp failed for volume "data"',
        lastTimestamp: '2026-12-05T02:00:00Z',
        involvedObject: { kind: 'Pod', name: 'tminus-r1-1-abcde' },
      },
    ];
    expect(heldReason(events)).toEqual({
      reason: 'FailedMount',
      message:
        'Kubernetes cannot go on with Pod tminus-r1-1-abcde: MountVolume.SetUp failed for volume "data"',
    });
  });

  it('a repeated Warning says how often; no Warning, no reason', () => {
    expect(
      heldReason([
        {
          type: 'Warning',
          reason: 'FailedCreate',
          message: 'forbidden',
          count: 12,
          involvedObject: job,
        },
      ])?.message,
    ).toBe('Kubernetes cannot go on with Job tminus-r1-1 (12 times): forbidden');
    expect(
      heldReason([{ type: 'Normal', reason: 'Scheduled', involvedObject: job }]),
    ).toBeUndefined();
    expect(heldReason([])).toBeUndefined();
  });

  it('looks soon after being held, then less and less often, at most every 30 s', () => {
    expect([0, 1, 2, 3, 4, 50].map(nextLookMs)).toEqual([2000, 5000, 10000, 30000, 30000, 30000]);
  });
});
