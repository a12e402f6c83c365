/**
 * @module Cross-replica change notifications of the PostgreSQL adapter (`LISTEN/NOTIFY`): an enqueue
 * on one server wakes the agents long-polling another.
 */
import pg from 'pg';

import { Batcher } from '../../lib/batcher.js';
import type { ChangeFeed } from '../store.js';
import type { Queries } from './pg-queries.js';

const CHANNEL = 'tminus_changes';
/** Params: channel, topics. */
const NOTIFY = 'SELECT pg_notify($1, topic) FROM unnest($2::text[]) AS topic';

/**
 * @param lazy asynchronous commits: a notification lost in a crash is harmless (waiters re-read the
 *   store after `backstopMs`).
 */
export function createChangeFeed(
  connectionString: string,
  lazy: pg.Pool,
  queries: Queries,
): ChangeFeed {
  // Topics published in one turn of the event loop go out in one statement (one commit), and while
  // one such statement is in flight the next turns' topics wait and go out together after it.
  const outgoing = new Set<string>();
  const notifier = new Batcher<readonly string[], void>(async (batches) => {
    await queries.exec(lazy, NOTIFY, [CHANNEL, batches.flat()]).catch(() => undefined);
    return batches.map(() => undefined);
  }, 1);
  return {
    backstopMs: 2_000,
    publish(topic) {
      if (outgoing.size === 0) {
        setImmediate(() => {
          const topics = [...outgoing];
          outgoing.clear();
          void notifier.call(topics);
        });
      }
      outgoing.add(topic);
    },
    async subscribe(onTopic) {
      const client = new pg.Client({ connectionString });
      await client.connect();
      client.on('notification', (message) => {
        if (message.channel === CHANNEL && message.payload) onTopic(message.payload);
      });
      client.on('error', () => undefined); // The backstop keeps waits correct until a restart.
      await client.query(`LISTEN ${CHANNEL}`);
      return () => client.end();
    },
  };
}
