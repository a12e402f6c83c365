/**
 * @module The SQLite adapter's agents: registration, heartbeats and signs of life.
 */
import { agentExists, agentNotFound } from '../errors.js';
import { type AgentRow, toAgent } from '../rows.js';
import type { AgentsPort } from '../store.js';
import { AGENT_COLUMNS, agentValues } from '../values.js';
import { isUniqueViolation, marks, type SqliteContext } from './context.js';

/** Params: the values of AGENT_COLUMNS. */
const INSERT_AGENT = `INSERT INTO agents (${AGENT_COLUMNS}) VALUES (${marks(11)}) RETURNING *`;
/** Params: id. */
const AGENT_BY_ID = `SELECT * FROM agents WHERE id = ?`;
/** Params: entity. */
const AGENTS_OF_ENTITY = `SELECT * FROM agents WHERE entity = ? ORDER BY created_at, id`;
/** Params: status, running, heartbeat time, id. */
const HEARTBEAT = `UPDATE agents SET status = ?, running = ?, last_heartbeat_at = ? WHERE id = ?`;
/** Never moves the time back. Params: time, id, time. */
const TOUCH = `UPDATE agents SET last_heartbeat_at = ? WHERE id = ? AND last_heartbeat_at < ?`;

export function sqliteAgents({ sql, write, writeCommitted, read }: SqliteContext): AgentsPort {
  return {
    createAgent: (agent) =>
      write(() => {
        try {
          return toAgent(sql.get<AgentRow>(INSERT_AGENT, ...agentValues(agent))!);
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          throw agentExists(agent.id);
        }
      }),
    getAgent: (id) =>
      read(() => {
        const row = sql.get<AgentRow>(AGENT_BY_ID, id);
        return row && toAgent(row);
      }),
    listAgents: (entity) => read(() => sql.all<AgentRow>(AGENTS_OF_ENTITY, entity).map(toAgent)),
    heartbeatAgent: (id, status, running, now) =>
      write(() => {
        if (sql.run(HEARTBEAT, status, running, now, id).changes === 0) throw agentNotFound(id);
      }),
    // A sign of life lost in a crash is harmless: acknowledged at COMMIT, like a claim.
    touchAgent: (id, now) => writeCommitted(() => void sql.run(TOUCH, now, id, now)),
  };
}
