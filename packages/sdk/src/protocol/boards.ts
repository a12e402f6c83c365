/**
 * @module The live boards of the web UI: what waits on each queue of an entity (and why), and what
 * each agent runs. Answered by the watch routes (`watchQueues`, `watchAgents`) with a digest, like
 * `watchRuns` (docs/decisions/0048).
 */
import * as z from 'zod';

import { Agent } from './agent.js';
import { Name } from './common.js';
import { PendingExplanation, Queue, QueueItem } from './queue.js';
import { Run } from './run.js';

/** A watch's query: the entity, the digest of the board the caller shows, how long to hold. */
export const BoardWatchQuery = z.object({
  entity: Name.optional(),
  /** The digest of the board the caller has: held until the board differs. */
  unless: z.string().max(64).optional(),
  waitMs: z.coerce.number().int().min(0).max(60_000).default(0),
});

/** A queue's waiting item, and why it waits (pending items only; the first ones of each queue). */
export const QueueBoardItem = z.object({
  item: QueueItem,
  why: PendingExplanation.nullable(),
});
export type QueueBoardItem = z.infer<typeof QueueBoardItem>;

/** One queue: its items waiting (pending, then leased) in dispatch order, and its agents. */
export const QueueBoardEntry = z.object({
  queue: Queue,
  items: z.array(QueueBoardItem),
  /** The entity's agents that poll this queue, with their capacity (`running` of `maxJobs`). */
  agents: z.array(Agent),
});
export type QueueBoardEntry = z.infer<typeof QueueBoardEntry>;

export const QueuesBoard = z.object({ digest: z.string(), queues: z.array(QueueBoardEntry) });
export type QueuesBoard = z.infer<typeof QueuesBoard>;

/** What the agents board says of a run: enough to name it and link to it. */
export const BoardRun = Run.pick({
  id: true,
  entity: true,
  project: true,
  name: true,
  state: true,
  queue: true,
});
export type BoardRun = z.infer<typeof BoardRun>;

/** One agent and the runs it has going (starting, running or stopping). */
export const AgentBoardEntry = z.object({ agent: Agent, runs: z.array(BoardRun) });
export type AgentBoardEntry = z.infer<typeof AgentBoardEntry>;

export const AgentsBoard = z.object({ digest: z.string(), agents: z.array(AgentBoardEntry) });
export type AgentsBoard = z.infer<typeof AgentsBoard>;
