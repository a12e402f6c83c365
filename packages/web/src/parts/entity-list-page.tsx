/**
 * @module A page listing one entity's things (its queues, its agents), kept current by a watch route:
 * the entity picker, the loading and error states, and what to say when there is none. No Refresh
 * button and no timer: the server answers the watch when what the page shows changed.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

import { useWatched } from '../hooks.js';
import type { Session } from '../session.js';
import { EntityPicker } from './entity-picker.js';
import { ErrorBox } from './error-box.js';

/** One call of a watch route: the entity's things and their digest, held while `unless` is current. */
export type WatchEntity<T> = (
  session: Session,
  entity: string,
  unless: string | undefined,
  signal: AbortSignal,
) => Promise<{ digest: string; value: T[] }>;

export function EntityListPage<T>(props: {
  session: Session;
  title: string;
  /** "queues", "agents": in "Loading queues…". */
  noun: string;
  watch: WatchEntity<T>;
  /** What to say when the entity has none. */
  empty: (entity: string) => ComponentChildren;
  children: (items: T[]) => ComponentChildren;
}) {
  const { session } = props;
  const [entity, setEntity] = useState(session.who.entity);
  const loaded = useWatched(
    (unless, signal) => props.watch(session, entity, unless, signal),
    [entity],
  );
  return (
    <section>
      <h1>{props.title}</h1>
      <div class="filters">
        <EntityPicker session={session} value={entity} onChange={setEntity} />
        <span class="muted">Updates as it changes.</span>
      </div>
      {loaded.status === 'loading' && <p class="status">Loading {props.noun}…</p>}
      {loaded.status === 'error' && <ErrorBox error={loaded.error} />}
      {loaded.status === 'ok' &&
        (loaded.value.length === 0 ? (
          <p class="status">{props.empty(entity)}</p>
        ) : (
          props.children(loaded.value)
        ))}
    </section>
  );
}
