/** @module A run's or queued run's state, as a word with a colour (the word carries the meaning). */
export function StateBadge({ state }: { state: string }) {
  return <span class={`state state-${state}`}>{state}</span>;
}
