/** @module Agents: status, last sign of life, queues, and the runs each has going. */
import type { Agent, Run } from '@tminus/sdk/protocol';

import { age } from '../format.js';
import { EntityListPage } from '../parts/entity-list-page.js';
import { StateBadge } from '../parts/state-badge.js';
import { href } from '../route.js';
import type { Session } from '../session.js';

async function loadAgents(session: Session, entity: string, signal: AbortSignal) {
  const opts = { signal };
  const [{ items: agents }, ...pages] = await Promise.all([
    session.api.request('listAgents', { query: { entity } }, opts),
    ...(['starting', 'running', 'stopping'] as const).map((state) =>
      session.api.request('listRuns', { query: { entity, state, limit: 1000 } }, opts),
    ),
  ]);
  const runs = pages.flatMap((p) => p.items);
  return agents.map((agent) => ({ agent, runs: runs.filter((r) => r.agentId === agent.id) }));
}

export function AgentsPage({ session }: { session: Session }) {
  return (
    <EntityListPage
      session={session}
      title="Agents"
      noun="agents"
      load={loadAgents}
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

function AgentRow({ agent, runs }: { agent: Agent; runs: Run[] }) {
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
