/**
 * @module One run: its state (kept current by long-polls on `getRun`), exit code and failure, why its
 * engine holds it back, the launch spec and config, the live log, metrics, and cancel where the
 * caller may.
 */
import { isTerminalRunState, type Run } from '@tminus/sdk/protocol';
import { useState } from 'preact/hooks';

import { mayManage } from '../access.js';
import { time } from '../format.js';
import { useLongPoll } from '../hooks.js';
import { ErrorBox } from '../parts/error-box.js';
import { LogView } from '../parts/log-view.js';
import { MetricsCharts } from '../parts/metrics-chart.js';
import { RunHistory } from '../parts/run-history.js';
import { StateBadge } from '../parts/state-badge.js';
import { href } from '../route.js';
import type { Session } from '../session.js';

export function RunPage({ session, id }: { session: Session; id: string }) {
  const [run, setRun] = useState<Run>();
  const [error, setError] = useState<unknown>();
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  // Waits for the next step a run takes: started (running), then finished.
  useLongPoll(
    async (signal) => {
      const known = run;
      const waitFor =
        known === undefined
          ? undefined
          : known.state === 'pending' || known.state === 'starting'
            ? 'started'
            : 'finished';
      try {
        const next = await session.api.request(
          'getRun',
          { params: { id }, query: waitFor === undefined ? {} : { waitFor, waitMs: 25_000 } },
          { signal },
        );
        setRun(next);
        setError(undefined);
        // A new state re-runs this effect (its inputs changed), which waits for the step after it.
        return next.state === known?.state && !isTerminalRunState(next.state);
      } catch (e) {
        if (!signal.aborted) setError(e);
        throw e;
      }
    },
    [id, run?.state],
  );
  if (run === undefined) {
    return error === undefined ? (
      <p class="status">Loading run {id}…</p>
    ) : (
      <ErrorBox error={error} />
    );
  }
  const cancel = async () => {
    setBusy(true);
    setActionError(undefined);
    try {
      setRun(await session.api.request('cancelRun', { params: { id } }));
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  };
  const cancellable = !isTerminalRunState(run.state) && run.state !== 'stopping';
  return (
    <section class="run">
      <h1>
        {run.name ?? run.id} <StateBadge state={run.state} />
      </h1>
      {cancellable && mayManage(session, run.entity, run.createdBy) && (
        <button type="button" class="danger" disabled={busy} onClick={() => void cancel()}>
          {busy ? 'Cancelling…' : 'Cancel run'}
        </button>
      )}
      {actionError !== undefined && <ErrorBox error={actionError} />}
      {error !== undefined && <ErrorBox error={error} />}
      {run.waiting !== null && (
        <p class="waiting" role="status">
          Waiting: <strong>{run.waiting.reason}</strong> — {run.waiting.message}
        </p>
      )}
      {run.failure !== null && (
        <div class="failure" role="status">
          <strong>
            Failed ({run.failure.stage}
            {run.failure.reason ? `, ${run.failure.reason}` : ''}):
          </strong>{' '}
          {run.failure.message}
        </div>
      )}
      <dl class="facts">
        <dt>Run id</dt>
        <dd class="mono">{run.id}</dd>
        <dt>Exit code</dt>
        <dd data-testid="exit-code">{run.exitCode ?? '—'}</dd>
        <dt>Entity / project</dt>
        <dd>
          {run.entity} / {run.project}
        </dd>
        <dt>Queue</dt>
        <dd>{run.queue ?? 'none (launched directly)'}</dd>
        <dt>Job</dt>
        <dd class="mono">{run.job ?? '—'}</dd>
        <dt>Source commit</dt>
        <dd class="mono">{run.sourceCommit ?? '—'}</dd>
        <dt>Agent</dt>
        <dd class="mono">{run.agentId ?? '—'}</dd>
        <dt>Attempt</dt>
        <dd>{run.attempt}</dd>
        <dt>Launched by</dt>
        <dd>{run.createdBy ?? '—'}</dd>
        <dt>Created / started / finished</dt>
        <dd>
          {time(run.createdAt)} / {time(run.startedAt)} / {time(run.finishedAt)}
        </dd>
        {run.queueItemId !== null && (
          <>
            <dt>Queued run</dt>
            <dd>
              <a href={href.item(run.queueItemId)}>{run.queueItemId}</a>
            </dd>
          </>
        )}
      </dl>
      <h2>State history</h2>
      <RunHistory session={session} runId={run.id} version={run.state} />
      <h2>Log</h2>
      <LogView session={session} runId={run.id} />
      <h2>Metrics</h2>
      <MetricsCharts session={session} runId={run.id} version={run.state} />
      <details>
        <summary>Config the program saw</summary>
        <pre class="json">{JSON.stringify(run.config, null, 2)}</pre>
      </details>
      <details>
        <summary>Launch spec</summary>
        <pre class="json">{JSON.stringify(run.spec, null, 2)}</pre>
      </details>
      {Object.keys(run.summary).length > 0 && (
        <details open>
          <summary>Summary</summary>
          <pre class="json">{JSON.stringify(run.summary, null, 2)}</pre>
        </details>
      )}
    </section>
  );
}
