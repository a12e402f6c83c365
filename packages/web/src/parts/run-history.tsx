/**
 * @module A run's state history (`getRunHistory`): when it was created, and each state it went to
 * since, with the attempt; read again whenever the run page sees a new state (`version`).
 */
import { time } from '../format.js';
import { useLoad } from '../hooks.js';
import type { Session } from '../session.js';
import { ErrorBox } from './error-box.js';
import { StateBadge } from './state-badge.js';

export function RunHistory(props: { session: Session; runId: string; version: string }) {
  const { session, runId, version } = props;
  const [history] = useLoad(
    async (signal) =>
      (await session.api.request('getRunHistory', { params: { id: runId } }, { signal })).items,
    [runId, version],
  );
  if (history.status === 'loading') return <p class="status">Loading the history…</p>;
  if (history.status === 'error') return <ErrorBox error={history.error} />;
  return (
    <table class="history" data-testid="run-history">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">State</th>
          <th scope="col">Attempt</th>
        </tr>
      </thead>
      <tbody>
        {history.value.map((t, i) => (
          <tr key={i}>
            <td>{time(t.at)}</td>
            <td>
              {t.from === null ? 'created, ' : ''}
              <StateBadge state={t.to} />
            </td>
            <td>{t.attempt}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
