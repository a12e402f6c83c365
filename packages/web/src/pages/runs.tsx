/**
 * @module The run list: filtered by queue, state, project (on the server) and job (in the page), and
 * kept current by a long-poll (`watchRuns`) that the server answers when the page changed.
 */
import { RUN_STATES, type Run } from '@tminus/sdk/protocol';
import { useState } from 'preact/hooks';

import { age } from '../format.js';
import { useLongPoll } from '../hooks.js';
import { EntityPicker } from '../parts/entity-picker.js';
import { ErrorBox } from '../parts/error-box.js';
import { StateBadge } from '../parts/state-badge.js';
import { href } from '../route.js';
import type { Session } from '../session.js';

type Filter = 'entity' | 'queue' | 'state' | 'project' | 'job';

export function RunsPage({ session, query }: { session: Session; query: URLSearchParams }) {
  const filter = (name: Filter) => query.get(name) ?? '';
  const entity = filter('entity') || session.who.entity;
  const [limit, setLimit] = useState(100);
  const [runs, setRuns] = useState<{ items: Run[]; more: boolean } | undefined>();
  const [error, setError] = useState<unknown>();
  const set = (name: Filter, value: string) => {
    const next = new URLSearchParams(query);
    if (value === '') next.delete(name);
    else next.set(name, value);
    location.hash = href.runs(next);
  };
  const serverQuery = {
    entity,
    limit,
    ...(filter('queue') ? { queue: filter('queue') } : {}),
    ...(filter('project') ? { project: filter('project') } : {}),
    ...(filter('state') ? { state: filter('state') as Run['state'] } : {}),
  };
  // The digest of the page shown, per filter: the loop below lives as long as its filter does.
  let digest: string | undefined;
  useLongPoll(
    async (signal) => {
      try {
        const answer = await session.api.request(
          'watchRuns',
          { query: { ...serverQuery, waitMs: 25_000, ...(digest ? { unless: digest } : {}) } },
          { signal },
        );
        digest = answer.digest;
        setRuns({ items: answer.page.items, more: answer.page.nextCursor !== null });
        setError(undefined);
        return true;
      } catch (e) {
        if (!signal.aborted) setError(e);
        throw e;
      }
    },
    [JSON.stringify(serverQuery)],
  );
  const job = filter('job');
  const shown = runs?.items.filter((r) => job === '' || (r.job ?? '').includes(job));
  return (
    <section>
      <h1>Runs</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter runs">
        <EntityPicker session={session} value={entity} onChange={(v) => set('entity', v)} />
        <label>
          State{' '}
          <select value={filter('state')} onChange={(e) => set('state', e.currentTarget.value)}>
            <option value="">any</option>
            {RUN_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {(['queue', 'project', 'job'] as const).map((name) => (
          <label key={name}>
            {name[0]!.toUpperCase() + name.slice(1)}{' '}
            <input
              name={name}
              value={filter(name)}
              placeholder="any"
              size={12}
              onChange={(e) => set(name, e.currentTarget.value.trim())}
            />
          </label>
        ))}
      </form>
      {error !== undefined && <ErrorBox error={error} />}
      {shown === undefined ? (
        <p class="status">Loading runs…</p>
      ) : shown.length === 0 ? (
        <p class="status">
          No runs{query.size > 0 ? ' match these filters' : ' yet'}. Launch one from{' '}
          <a href={href.launch()}>Launch</a> or with <code>tminus launch</code>.
        </p>
      ) : (
        <div class="table-wrap">
          <table class="runs">
            <thead>
              <tr>
                <th>Run</th>
                <th>State</th>
                <th>Queue</th>
                <th>Job</th>
                <th>Project</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((run) => (
                <tr key={run.id} data-run={run.id}>
                  <td>
                    <a href={href.run(run.id)}>{run.name ?? run.id}</a>
                  </td>
                  <td>
                    <StateBadge state={run.state} />
                  </td>
                  <td>{run.queue ?? '—'}</td>
                  <td class="mono">{run.job ?? '—'}</td>
                  <td>{run.project}</td>
                  <td title={run.createdAt}>{age(run.createdAt)} ago</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {runs?.more === true && limit < 1000 && (
        <button type="button" onClick={() => setLimit(Math.min(1000, limit * 4))}>
          Show more
        </button>
      )}
    </section>
  );
}
