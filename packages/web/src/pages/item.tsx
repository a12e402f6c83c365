/**
 * @module A queued run: while it waits, why (position, agents polling, their capacity); a long-poll
 * (`getQueueItem` with `waitFor=started`) notices when an agent takes it and opens its run.
 */
import type { PendingExplanation, QueueItem } from '@tminus/sdk/protocol';
import { useState } from 'preact/hooks';

import { mayManage } from '../access.js';
import { age, priorityLabel } from '../format.js';
import { useLongPoll } from '../hooks.js';
import { ErrorBox } from '../parts/error-box.js';
import { StateBadge } from '../parts/state-badge.js';
import { href } from '../route.js';
import type { Session } from '../session.js';

export function ItemPage({ session, id }: { session: Session; id: string }) {
  const [item, setItem] = useState<QueueItem>();
  const [why, setWhy] = useState<PendingExplanation>();
  const [error, setError] = useState<unknown>();
  const [removed, setRemoved] = useState(false);
  useLongPoll(
    async (signal) => {
      try {
        const opts = { signal };
        const explained = await session.api.request('explainQueueItem', { params: { id } }, opts);
        setWhy(explained);
        const next = await session.api.request(
          'getQueueItem',
          { params: { id }, query: { waitFor: 'started', waitMs: 20_000 } },
          opts,
        );
        setItem(next);
        setError(undefined);
        if (next.runId !== null) {
          // It became a run: that page has its state and log.
          location.replace(href.run(next.runId));
          return false;
        }
        return next.state !== 'failed';
      } catch (e) {
        if (!signal.aborted) setError(e);
        throw e;
      }
    },
    [id, removed],
  );
  const remove = async () => {
    try {
      await session.api.request('deleteQueueItem', { params: { id } });
      setRemoved(true);
    } catch (e) {
      setError(e);
    }
  };
  if (item === undefined) {
    return error === undefined ? (
      <p class="status">Loading queued run {id}…</p>
    ) : (
      <ErrorBox error={error} />
    );
  }
  return (
    <section>
      <h1>
        Queued run {item.spec.name ?? item.id} <StateBadge state={item.state} />
      </h1>
      {error !== undefined && <ErrorBox error={error} />}
      {removed && <p class="status">Removed from the queue.</p>}
      {item.state === 'pending' && why !== undefined && (
        <div class="why-box" role="status" data-testid="pending-reason">
          <strong>Why it is still pending:</strong> {why.message}
          <p class="muted">
            position {why.position ?? '—'} on {why.queue} · {why.agentsPolling} agent
            {why.agentsPolling === 1 ? '' : 's'} polling · {why.agentsAtCapacity} at capacity
          </p>
        </div>
      )}
      {item.error !== null && (
        <div class="failure">
          <strong>Failed ({item.error.stage}):</strong> {item.error.message}
        </div>
      )}
      {item.state === 'pending' && !removed && mayManage(session, item.entity, item.createdBy) && (
        <button type="button" class="danger" onClick={() => void remove()}>
          Remove from queue
        </button>
      )}
      <dl class="facts">
        <dt>Id</dt>
        <dd class="mono">{item.id}</dd>
        <dt>Queue</dt>
        <dd>
          {item.entity}/{item.queue}
        </dd>
        <dt>Priority</dt>
        <dd>{priorityLabel(item.priority)}</dd>
        <dt>Queued</dt>
        <dd>
          {age(item.createdAt)} ago by {item.createdBy ?? '—'}
        </dd>
        {item.warnings.length > 0 && (
          <>
            <dt>Warnings</dt>
            <dd>{item.warnings.join('; ')}</dd>
          </>
        )}
      </dl>
      <details>
        <summary>Launch spec</summary>
        <pre class="json">{JSON.stringify(item.spec, null, 2)}</pre>
      </details>
    </section>
  );
}
