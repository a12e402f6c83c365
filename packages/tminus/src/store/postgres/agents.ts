/**
 * @module The PostgreSQL adapter's agents: registration, heartbeats and signs of life.
 */
import { agentExists, agentNotFound } from '../errors.js';
import { type AgentRow, toAgent } from '../rows.js';
import type { AgentsPort } from '../store.js';
import { AGENT_COLUMNS, agentValues } from '../values.js';
import { params, type PostgresContext } from './context.js';
import { isUniqueViolation } from './pg-queries.js';

/** Params: the values of AGENT_COLUMNS. */
const INSERT_AGENT = `INSERT INTO agents (${AGENT_COLUMNS}) VALUES (${params(11)}) RETURNING *`;
/** Params: id. */
const AGENT_BY_ID = `SELECT * FROM agents WHERE id = $1`;
/** Params: entity. */
const AGENTS_OF_ENTITY = `SELECT * FROM agents WHERE entity = $1 ORDER BY created_at, id`;
/** Params: status, running, heartbeat time, id. */
const HEARTBEAT = `UPDATE agents SET status = $1, running = $2, last_heartbeat_at = $3
  WHERE id = $4`;
/** Never moves the time back (another replica may have written a later beat). Params: time, id. */
const TOUCH = `UPDATE agents SET last_heartbeat_at = $1 WHERE id = $2 AND last_heartbeat_at < $1`;

export function postgresAgents({ pool, lazy, queries }: PostgresContext): AgentsPort {
  const { one, rows, count, exec } = queries;
  return {
    async createAgent(agent) {
      try {
        return toAgent((await one<AgentRow>(pool, INSERT_AGENT, agentValues(agent)))!);
      } catch (error) {
        if (isUniqueViolation(error)) throw agentExists(agent.id);
        throw error;
      }
    },
    async getAgent(id) {
      const row = await one<AgentRow>(pool, AGENT_BY_ID, [id]);
      return row && toAgent(row);
    },
    listAgents: async (entity) =>
      (await rows<AgentRow>(pool, AGENTS_OF_ENTITY, [entity])).map(toAgent),
    async heartbeatAgent(id, status, running, now) {
      if ((await count(pool, HEARTBEAT, [status, running, now, id])) === 0) throw agentNotFound(id);
    },
    // A sign of life lost in a crash is harmless: committed without waiting for the WAL flush.
    touchAgent: (id, now) => exec(lazy, TOUCH, [now, id]),
  };
}
