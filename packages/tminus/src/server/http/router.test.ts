import { describe, expect, it } from 'vitest';

import { Router } from './router.js';

describe('Router', () => {
  const router = new Router<string>();
  router.add('GET', '/api/v1/runs/:id', 'getRun');
  router.add('POST', '/api/v1/runs/direct', 'createDirectRun');
  router.add('POST', '/api/v1/runs/:id/cancel', 'cancelRun');
  router.add('GET', '/api/v1/queues/:entity/:name', 'getQueue');
  router.add('GET', '/api/v1/queues/:entity/:name/items', 'listQueueItems');
  router.add('GET', '/api/v1/jobs/resolve', 'resolveJob');
  router.add('GET', '/api/v1/jobs/:id', 'jobById');

  it('matches parameters and decodes them', () => {
    expect(router.match('GET', '/api/v1/runs/abc123')).toEqual({
      value: 'getRun',
      params: { id: 'abc123' },
    });
    expect(router.match('GET', '/api/v1/queues/alice/gpu%20a100')).toEqual({
      value: 'getQueue',
      params: { entity: 'alice', name: 'gpu a100' },
    });
    expect(router.match('GET', '/api/v1/queues/alice/gpu/items')?.value).toBe('listQueueItems');
  });

  it('prefers a static segment over a parameter, whatever the order added', () => {
    expect(router.match('GET', '/api/v1/jobs/resolve')).toEqual({
      value: 'resolveJob',
      params: {},
    });
    expect(router.match('GET', '/api/v1/jobs/other')?.value).toBe('jobById');
    expect(router.match('POST', '/api/v1/runs/direct')?.value).toBe('createDirectRun');
  });

  it('keys on the method and the whole path', () => {
    expect(router.match('POST', '/api/v1/runs/abc')).toBeUndefined();
    expect(router.match('DELETE', '/api/v1/runs/abc')).toBeUndefined();
    expect(router.match('GET', '/api/v1/runs')).toBeUndefined();
    expect(router.match('GET', '/api/v1/runs/abc/cancel')).toBeUndefined();
    expect(router.match('GET', '/api/v2/runs/abc')).toBeUndefined();
  });

  it('throws URIError on a malformed escape', () => {
    expect(() => router.match('GET', '/api/v1/runs/%E0%A4%A')).toThrow(URIError);
  });
});
