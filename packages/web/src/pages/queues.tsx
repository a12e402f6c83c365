/**
 * @module Queues: each queue's waiting items in dispatch order (priority, then age) with why each is
 * still pending, and the agents polling it with their capacity. Kept current by `watchQueues`: the
 * server answers when the board changed (an item came or went, an agent came, a run ended).
 */
import type { QueueBoardEntry } from '@tminus/sdk/protocol';

import { age, priorityLabel } from '../format.js';
import { EntityListPage, type WatchEntity } from '../parts/entity-list-page.js';
import { StateBadge } from '../parts/state-badge.js';
import { href } from '../route.js';
import type { Session } from '../session.js';

const watchQueues: WatchEntity<QueueBoardEntry> = async (session, entity, unless, signal) => {
  const board = await session.api.request(
    'watchQueues',
    { query: { entity, waitMs: 25_000, ...(unless === undefined ? {} : { unless }) } },
    { signal },
  );
  return { digest: board.digest, value: board.queues };
};

export function QueuesPage({ session }: { session: Session }) {
  return (
    <EntityListPage
      session={session}
      title="Queues"
      noun="queues"
      watch={watchQueues}
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

function QueueCard({ view: { queue, items, agents } }: { view: QueueBoardEntry }) {
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
              {items.map(({ item, why }) => (
                <tr key={item.id} data-item={item.id}>
                  <td>{why?.position ?? '—'}</td>
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
