/** @module Jobs: each job's versions with their aliases and source, and a way to launch one. */
import type { JobSummary, JobVersion } from '@tminus/sdk/protocol';
import { useState } from 'preact/hooks';

import { age } from '../format.js';
import { useLoad } from '../hooks.js';
import { EntityPicker } from '../parts/entity-picker.js';
import { ErrorBox } from '../parts/error-box.js';
import { href } from '../route.js';
import type { Session } from '../session.js';

export function JobsPage({ session }: { session: Session }) {
  const [entity, setEntity] = useState(session.who.entity);
  const [loaded] = useLoad(
    (signal) => session.api.request('listJobs', { query: { entity } }, { signal }),
    [entity],
  );
  return (
    <section>
      <h1>Jobs</h1>
      <div class="filters">
        <EntityPicker session={session} value={entity} onChange={setEntity} />
      </div>
      {loaded.status === 'loading' && <p class="status">Loading jobs…</p>}
      {loaded.status === 'error' && <ErrorBox error={loaded.error} />}
      {loaded.status === 'ok' &&
        (loaded.value.items.length === 0 ? (
          <p class="status">
            No jobs in {entity}. Make one with <code>tminus job create</code>.
          </p>
        ) : (
          loaded.value.items.map((job) => (
            <JobCard key={`${job.project}/${job.name}`} session={session} job={job} />
          ))
        ))}
    </section>
  );
}

function JobCard({ session, job }: { session: Session; job: JobSummary }) {
  const [open, setOpen] = useState(false);
  const name = `${job.entity}/${job.project}/${job.name}`;
  return (
    <article class="card">
      <h2 class="mono">{name}</h2>
      <p>
        {job.versions} version{job.versions === 1 ? '' : 's'} · aliases:{' '}
        {Object.entries(job.aliases)
          .map(([alias, version]) => `${alias} → ${version}`)
          .join(', ') || 'none'}
      </p>
      <Source version={job.latest} />
      <p>
        <a class="button" href={href.launch(`${name}:latest`)}>
          Launch {job.name}
        </a>{' '}
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide versions' : 'Show versions'}
        </button>
      </p>
      {open && <Versions session={session} name={name} count={job.versions} />}
    </article>
  );
}

function Versions({ session, name, count }: { session: Session; name: string; count: number }) {
  const [loaded] = useLoad(
    (signal) =>
      Promise.all(
        Array.from({ length: Math.min(count, 50) }, (_, i) =>
          session.api.request(
            'resolveJob',
            { query: { ref: `${name}:v${count - 1 - i}` } },
            { signal },
          ),
        ),
      ),
    [name, count],
  );
  if (loaded.status === 'loading') return <p class="status">Loading versions…</p>;
  if (loaded.status === 'error') return <ErrorBox error={loaded.error} />;
  return (
    <ul class="versions">
      {loaded.value.map((v) => (
        <li key={v.version}>
          <strong>{v.version}</strong> {v.aliases.length > 0 && `(${v.aliases.join(', ')})`} · made{' '}
          {age(v.createdAt)} ago
          {v.description !== null && ` · ${v.description}`}
          <Source version={v} />
        </li>
      ))}
    </ul>
  );
}

function Source({ version: { source } }: { version: JobVersion }) {
  switch (source.type) {
    case 'git':
      return (
        <p class="mono source">
          git {source.remote} @ {source.commit ?? source.ref ?? 'default branch'} ·{' '}
          {source.entrypoint.join(' ')}
        </p>
      );
    case 'code':
      return (
        <p class="mono source">
          code snapshot {source.digest.slice(0, 19)}… · {source.entrypoint.join(' ')}
        </p>
      );
    case 'image':
      return (
        <p class="mono source">
          image {source.image}
          {source.entrypoint ? ` · ${source.entrypoint.join(' ')}` : ''}
        </p>
      );
  }
}
