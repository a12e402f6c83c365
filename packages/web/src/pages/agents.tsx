/**
 * @module Agents: status, last sign of life, queues, and the runs each has going. Kept current by
 * `watchAgents`: the server answers when an agent came, reported a new status, or a run changed.
 */
import type { Agent, AgentBoardEntry, BoardRun } from '@tminus/sdk/protocol';

import { age } from '../format.js';
import { EntityListPage, type WatchEntity } from '../parts/entity-list-page.js';
import { StateBadge } from '../parts/state-badge.js';
import { href } from '../route.js';
import type { Session } from '../session.js';

const watchAgents: WatchEntity<AgentBoardEntry> = async (session, entity, unless, signal) => {
  const board = await session.api.request(
    'watchAgents',
    { query: { entity, waitMs: 25_000, ...(unless === undefined ? {} : { unless }) } },
    { signal },
  );
  return { digest: board.digest, value: board.agents };
};

export function AgentsPage({ session }: { session: Session }) {
  return (
    <EntityListPage
      session={session}
      title="Agents"
      noun="agents"
      watch={watchAgents}
      empty={(entity) => (
        <>
          No agents in {entity}. Start one with <code>tminus agent --queue default</code>.
        </>
      )}
    >
      {(views) => (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Host</th>
                <th>Status</th>
                <th>Last heard</th>
                <th>Queues</th>
                <th>Running</th>
              </tr>
            </thead>
            <tbody>
              {views.map(({ agent, runs }) => (
                <AgentRow key={agent.id} agent={agent} runs={runs} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </EntityListPage>
  );
}

function AgentRow({ agent, runs }: { agent: Agent; runs: BoardRun[] }) {
  return (
    <tr data-agent={agent.id}>
      <td>
        <span class="mono">{agent.hostname}</span>
        <br />
        <span class="muted mono">{agent.id}</span>
      </td>
      <td>
        <StateBadge state={agent.status} />
      </td>
      <td title={agent.lastHeartbeatAt}>{age(agent.lastHeartbeatAt)} ago</td>
      <td>{agent.queues.join(', ')}</td>
      <td>
        {agent.running} of {agent.maxJobs < 0 ? 'no limit' : agent.maxJobs}
        {runs.map((r) => (
          <div key={r.id}>
            <a href={href.run(r.id)}>{r.name ?? r.id}</a> <StateBadge state={r.state} />
          </div>
        ))}
      </td>
    </tr>
  );
}
