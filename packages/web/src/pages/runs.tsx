/**
 * @module The run list: filtered by queue, state, project and job (by whole names, on the server), paged
 * by the API's cursor (100 runs a page: Newest, Newer, Older), and the page shown kept current by a
 * long-poll (`watchRuns`) that the server answers when that page changed.
 */
import { RUN_STATES, type Run } from '@tminus/sdk/protocol';
import { useRef, useState } from 'preact/hooks';

import { age } from '../format.js';
import { useLongPoll } from '../hooks.js';
import { EntityPicker } from '../parts/entity-picker.js';
import { ErrorBox } from '../parts/error-box.js';
import { PageNav, usePageCursors } from '../parts/page-nav.js';
import { StateBadge } from '../parts/state-badge.js';
import { href } from '../route.js';
import type { Session } from '../session.js';

type Filter = 'entity' | 'queue' | 'state' | 'project' | 'job';

/** Runs a page: what a screen or two shows, and a light page for the browser at any list length. */
const PAGE_SIZE = 100;

export function RunsPage({ session, query }: { session: Session; query: URLSearchParams }) {
  const filter = (name: Filter) => query.get(name) ?? '';
  const entity = filter('entity') || session.who.entity;
  const [runs, setRuns] = useState<{ items: Run[]; nextCursor: string | null } | undefined>();
  const top = useRef<HTMLElement>(null);
  const [error, setError] = useState<unknown>();
  const set = (name: Filter, value: string) => {
    const next = new URLSearchParams(query);
    if (value === '') next.delete(name);
    else next.set(name, value);
    location.hash = href.runs(next);
  };
  const filters = {
    entity,
    ...(filter('queue') ? { queue: filter('queue') } : {}),
    ...(filter('project') ? { project: filter('project') } : {}),
    ...(filter('state') ? { state: filter('state') as Run['state'] } : {}),
    ...(filter('job') ? { job: filter('job') } : {}),
  };
  const pages = usePageCursors(JSON.stringify(filters));
  const serverQuery = {
    ...filters,
    limit: PAGE_SIZE,
    ...(pages.cursor === undefined ? {} : { cursor: pages.cursor }),
  };
  // The digest of the page shown, per filter and page: the loop below lives as long as they do.
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
        setRuns(answer.page);
        setError(undefined);
        return true;
      } catch (e) {
        if (!signal.aborted) setError(e);
        throw e;
      }
    },
    [JSON.stringify(serverQuery)],
  );
  const shown = runs?.items;
  return (
    <section ref={top}>
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
      ) : shown.length === 0 && pages.number > 1 ? (
        <p class="status">No runs on this page.</p>
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
      {runs !== undefined && (runs.items.length > 0 || pages.number > 1) && (
        <PageNav
          name="Run list paging"
          pages={pages}
          nextCursor={runs.nextCursor}
          label={pageLabel(pages.number, runs.items.length)}
          onMove={() => top.current?.scrollIntoView()}
        />
      )}
    </section>
  );
}

/** "Runs 101–200 (newest first)"; "No runs on this page" when the page emptied. */
function pageLabel(page: number, count: number): string {
  if (count === 0) return 'No runs on this page';
  const from = (page - 1) * PAGE_SIZE + 1;
  return `Runs ${from.toLocaleString()}–${(from + count - 1).toLocaleString()}, newest first`;
}
