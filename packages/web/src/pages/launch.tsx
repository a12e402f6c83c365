/**
 * @module The launch form: a job, a queue, the run's config, the queue's template variables (checked
 * as the user types by the server's own rule, core/template-variables.ts) and a priority. The server
 * checks everything again; what it refuses is shown as it said it.
 */
import type { JsonObject, Queue, TemplateVariableSchema } from '@tminus/sdk/protocol';
import { useState } from 'preact/hooks';

import { resolveTemplateValues } from '../../../tminus/src/core/template-variables.js';
import { mayLaunch } from '../access.js';
import { PRIORITIES } from '../format.js';
import { useLoad } from '../hooks.js';
import { EntityPicker } from '../parts/entity-picker.js';
import { ErrorBox } from '../parts/error-box.js';
import { href } from '../route.js';
import type { Session } from '../session.js';

async function loadChoices(session: Session, entity: string, signal: AbortSignal) {
  const [jobs, queues] = await Promise.all([
    session.api.request('listJobs', { query: { entity } }, { signal }),
    session.api.request('listQueues', { query: { entity } }, { signal }),
  ]);
  return { jobs: jobs.items, queues: queues.items };
}

/** The config text as a JSON object, or what is wrong with it. */
export function parseConfig(
  text: string,
): { ok: true; value: JsonObject } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { ok: false, message: 'The config must be a JSON object, like {"lr": 0.001}.' };
    }
    return { ok: true, value: value as JsonObject };
  } catch (e) {
    return { ok: false, message: `The config is not valid JSON: ${(e as Error).message}` };
  }
}

/** One variable's problem, in the words the server uses, or undefined. */
function variableProblem(queue: Queue, name: string, raw: string): string | undefined {
  if (raw === '') return undefined;
  const result = resolveTemplateValues(queue.name, queue.templateVariables, { [name]: raw });
  return result.ok ? undefined : result.message;
}

export function LaunchPage({
  session,
  job: preset,
}: {
  session: Session;
  job: string | undefined;
}) {
  const [entity, setEntity] = useState(preset?.split('/')[0] ?? session.who.entity);
  const [loaded] = useLoad((signal) => loadChoices(session, entity, signal), [entity]);
  const [job, setJob] = useState(preset ?? '');
  const [queueName, setQueueName] = useState('default');
  const [name, setName] = useState('');
  const [config, setConfig] = useState('');
  const [vars, setVars] = useState<Record<string, string>>({});
  const [priority, setPriority] = useState(2);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  if (loaded.status === 'loading') return <p class="status">Loading jobs and queues…</p>;
  if (loaded.status === 'error') return <ErrorBox error={loaded.error} />;
  const { jobs, queues } = loaded.value;
  const queue = queues.find((q) => q.name === queueName) ?? queues[0];
  const chosenJob =
    job || (jobs[0] ? `${jobs[0].entity}/${jobs[0].project}/${jobs[0].name}:latest` : '');
  const parsedConfig = parseConfig(config);
  const problems = queue
    ? Object.fromEntries(
        Object.keys(queue.templateVariables).map((v) => [
          v,
          variableProblem(queue, v, vars[v] ?? ''),
        ]),
      )
    : {};
  const invalid = !parsedConfig.ok || Object.values(problems).some((p) => p !== undefined);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (queue === undefined || !parsedConfig.ok) return;
    setBusy(true);
    setError(undefined);
    const given = Object.fromEntries(Object.entries(vars).filter(([, v]) => v !== ''));
    try {
      const item = await session.api.request('enqueue', {
        body: {
          queue: queue.name,
          queueEntity: queue.entity,
          spec: {
            entity,
            job: chosenJob,
            ...(name.trim() === '' ? {} : { name: name.trim() }),
            overrides: { run_config: parsedConfig.value },
          },
          ...(priority === 2 ? {} : { priority }),
          ...(Object.keys(given).length === 0 ? {} : { templateVariables: given }),
        },
      });
      location.hash = href.item(item.id);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <h1>Launch a run</h1>
      {!mayLaunch(session, entity) && (
        <p class="warn">You are a viewer of {entity}: the server will refuse a launch there.</p>
      )}
      <form class="launch" onSubmit={(e) => void submit(e)} noValidate>
        <EntityPicker session={session} value={entity} onChange={setEntity} />
        <label for="launch-job">Job</label>
        {jobs.length === 0 ? (
          <p class="warn" id="launch-job">
            {entity} has no jobs. Make one with <code>tminus job create</code>.
          </p>
        ) : (
          <select id="launch-job" value={chosenJob} onChange={(e) => setJob(e.currentTarget.value)}>
            {[
              ...new Set([
                chosenJob,
                ...jobs.map((j) => `${j.entity}/${j.project}/${j.name}:latest`),
              ]),
            ].map((ref) => (
              <option key={ref} value={ref}>
                {ref}
              </option>
            ))}
          </select>
        )}
        <label for="launch-queue">Queue</label>
        <select
          id="launch-queue"
          value={queue?.name}
          onChange={(e) => setQueueName(e.currentTarget.value)}
        >
          {queues.map((q) => (
            <option key={q.id} value={q.name}>
              {q.name} ({q.resource})
            </option>
          ))}
        </select>
        <label for="launch-name">Run name (optional)</label>
        <input
          id="launch-name"
          value={name}
          maxLength={1024}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <label for="launch-config">Config (JSON object: the run's overrides.run_config)</label>
        <textarea
          id="launch-config"
          rows={5}
          spellcheck={false}
          placeholder='{"lr": 0.001}'
          value={config}
          aria-invalid={!parsedConfig.ok}
          aria-describedby="launch-config-error"
          onInput={(e) => setConfig(e.currentTarget.value)}
        />
        {!parsedConfig.ok && (
          <p class="field-error" id="launch-config-error">
            {parsedConfig.message}
          </p>
        )}
        {queue !== undefined &&
          Object.entries(queue.templateVariables).map(([v, schema]) => (
            <VariableField
              key={v}
              name={v}
              schema={schema}
              value={vars[v] ?? ''}
              problem={problems[v]}
              onInput={(value) => setVars({ ...vars, [v]: value })}
            />
          ))}
        <label for="launch-priority">Priority</label>
        <select
          id="launch-priority"
          value={String(priority)}
          onChange={(e) => setPriority(Number(e.currentTarget.value))}
        >
          {PRIORITIES.map((p) => (
            <option key={p.value} value={String(p.value)}>
              {p.label}
            </option>
          ))}
        </select>
        {queue !== undefined && !queue.prioritization && priority !== 2 && (
          <p class="field-error">
            Queue {queue.name} has prioritisation off: it takes only the default priority (medium).
          </p>
        )}
        <button type="submit" disabled={busy || invalid || queue === undefined || chosenJob === ''}>
          {busy ? 'Launching…' : 'Launch'}
        </button>
        {error !== undefined && <ErrorBox error={error} />}
      </form>
    </section>
  );
}

function VariableField(props: {
  name: string;
  schema: TemplateVariableSchema;
  value: string;
  problem: string | undefined;
  onInput: (value: string) => void;
}) {
  const { name, schema, problem } = props;
  const id = `var-${name}`;
  const rules =
    schema.type === 'string'
      ? schema.enum
        ? `one of ${schema.enum.join(', ')}`
        : 'text'
      : `${schema.type}${schema.minimum === undefined ? '' : `, at least ${schema.minimum}`}${schema.maximum === undefined ? '' : `, at most ${schema.maximum}`}`;
  return (
    <>
      <label for={id}>
        {name}{' '}
        <span class="muted">
          ({rules}
          {schema.default === undefined ? '' : `; default ${schema.default}`})
        </span>
      </label>
      <input
        id={id}
        name={id}
        value={props.value}
        inputMode={schema.type === 'string' ? 'text' : 'decimal'}
        aria-invalid={problem !== undefined}
        aria-describedby={`${id}-error`}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      {problem !== undefined && (
        <p class="field-error" id={`${id}-error`}>
          {problem}
        </p>
      )}
      {schema.description !== undefined && <p class="hint">{schema.description}</p>}
    </>
  );
}
