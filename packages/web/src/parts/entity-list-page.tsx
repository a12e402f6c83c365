/**
 * @module A page listing one entity's things (its queues, its agents): the entity picker, a Refresh
 * button, the loading and error states, and what to say when there is none.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

import { useLoad } from '../hooks.js';
import type { Session } from '../session.js';
import { EntityPicker } from './entity-picker.js';
import { ErrorBox } from './error-box.js';

export function EntityListPage<T>(props: {
  session: Session;
  title: string;
  /** "queues", "agents": in "Loading queues…". */
  noun: string;
  load: (session: Session, entity: string, signal: AbortSignal) => Promise<T[]>;
  /** What to say when the entity has none. */
  empty: (entity: string) => ComponentChildren;
  children: (items: T[]) => ComponentChildren;
}) {
  const { session } = props;
  const [entity, setEntity] = useState(session.who.entity);
  const [loaded, reload] = useLoad((signal) => props.load(session, entity, signal), [entity]);
  return (
    <section>
      <h1>{props.title}</h1>
      <div class="filters">
        <EntityPicker session={session} value={entity} onChange={setEntity} />
        <button type="button" onClick={reload}>
          Refresh
        </button>
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
