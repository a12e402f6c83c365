/**
 * @module Queues: each queue's waiting items in dispatch order (priority, then age) with why each is
 * still pending, and the agents polling it with their capacity.
 */
import type { Agent, PendingExplanation, Queue, QueueItem } from '@tminus/sdk/protocol';

import { age, priorityLabel } from '../format.js';
import { EntityListPage } from '../parts/entity-list-page.js';
import { StateBadge } from '../parts/state-badge.js';
import { href } from '../route.js';
import type { Session } from '../session.js';

interface QueueView {
  readonly queue: Queue;
  readonly items: { item: QueueItem; why: PendingExplanation | undefined }[];
  readonly agents: Agent[];
}

/** Dispatch order: lower priority number first, then oldest first (docs: priority). */
export function dispatchOrder(a: QueueItem, b: QueueItem): number {
  return a.priority - b.priority || Date.parse(a.createdAt) - Date.parse(b.createdAt);
}

async function loadQueues(session: Session, entity: string, signal: AbortSignal) {
  const opts = { signal };
  const [{ items: queues }, { items: agents }] = await Promise.all([
    session.api.request('listQueues', { query: { entity } }, opts),
    session.api.request('listAgents', { query: { entity } }, opts),
  ]);
  return Promise.all(
    queues.map(async (queue): Promise<QueueView> => {
      const params = { entity: queue.entity, name: queue.name };
      const [pending, leased] = await Promise.all(
        (['pending', 'leased'] as const).map((state) =>
          session.api.request('listQueueItems', { params, query: { state, limit: 200 } }, opts),
        ),
      );
      const waiting = [...pending!.items, ...leased!.items].sort(dispatchOrder);
      // Why each of the first items waits; the rest are behind them.
      const items = await Promise.all(
        waiting.map(async (item, i) => ({
          item,
          why:
            i < 20 && item.state === 'pending'
              ? await session.api.request('explainQueueItem', { params: { id: item.id } }, opts)
              : undefined,
        })),
      );
      return { queue, items, agents: agents.filter((a) => a.queues.includes(queue.name)) };
    }),
  );
}

export function QueuesPage({ session }: { session: Session }) {
  return (
    <EntityListPage
      session={session}
      title="Queues"
      noun="queues"
      load={loadQueues}
      empty={(entity) => (
        <>
          No queues in {entity}. An admin makes one with <code>tminus queue create NAME</code>.
        </>
      )}
    >
      {(views) => views.map((view) => <QueueCard key={view.queue.id} view={view} />)}
    </EntityListPage>
  );
}

function QueueCard({ view: { queue, items, agents } }: { view: QueueView }) {
  const vars = Object.keys(queue.templateVariables);
  return (
    <article class="card" aria-labelledby={`q-${queue.id}`}>
      <h2 id={`q-${queue.id}`}>
        {queue.entity}/{queue.name} <span class="muted">{queue.resource}</span>
      </h2>
      <p class="muted">
        prioritisation {queue.prioritization ? 'on' : 'off'} · up to {queue.maxAttempts} attempt
        {queue.maxAttempts === 1 ? '' : 's'}
        {vars.length > 0 && ` · template variables: ${vars.join(', ')}`}
      </p>
      <h3>Agents polling ({agents.length})</h3>
      {agents.length === 0 ? (
        <p class="warn">
          No agent polls this queue: nothing on it will start. Start one with{' '}
          <code>tminus agent --queue {queue.name}</code>.
        </p>
      ) : (
        <ul class="agents">
          {agents.map((a) => (
            <li key={a.id}>
              <span class="mono">{a.hostname}</span> <StateBadge state={a.status} /> running{' '}
              {a.running}
              {a.maxJobs < 0 ? ' (no limit)' : ` of ${a.maxJobs}`} · heard from{' '}
              {age(a.lastHeartbeatAt)} ago
            </li>
          ))}
        </ul>
      )}
      <h3>Waiting ({items.length})</h3>
      {items.length === 0 ? (
        <p class="muted">Nothing is waiting.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>#</th>
                <th>Queued run</th>
                <th>Priority</th>
                <th>Age</th>
                <th>Why it waits</th>
              </tr>
            </thead>
            <tbody>
              {items.map(({ item, why }, i) => (
                <tr key={item.id} data-item={item.id}>
                  <td>{i + 1}</td>
                  <td>
                    <a href={href.item(item.id)}>{item.spec.name ?? item.spec.job ?? item.id}</a>{' '}
                    <StateBadge state={item.state} />
                  </td>
                  <td>{priorityLabel(item.priority)}</td>
                  <td title={item.createdAt}>{age(item.createdAt)}</td>
                  <td class="why">
                    {why?.message ?? (item.state === 'leased' ? 'An agent is taking it.' : '')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </article>
  );
}
