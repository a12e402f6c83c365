/** @module Which entity a page shows: the key's default, or another the user belongs to. */
import type { Session } from '../session.js';

export function entitiesOf(session: Session): string[] {
  const names = new Set([session.who.entity, ...session.who.memberships.map((m) => m.entity)]);
  return [...names];
}

export function EntityPicker(props: {
  session: Session;
  value: string;
  onChange: (entity: string) => void;
}) {
  const names = entitiesOf(props.session);
  if (names.length < 2) return null;
  return (
    <label>
      Entity{' '}
      <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}
