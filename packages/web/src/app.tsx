/** @module The shell: sign-in gate, navigation, and the page the URL's fragment names. */
import { useEffect, useState } from 'preact/hooks';

import { AgentsPage } from './pages/agents.js';
import { ItemPage } from './pages/item.js';
import { JobsPage } from './pages/jobs.js';
import { LaunchPage } from './pages/launch.js';
import { QueuesPage } from './pages/queues.js';
import { RunPage } from './pages/run.js';
import { RunsPage } from './pages/runs.js';
import { SignIn } from './pages/sign-in.js';
import { type Route, useRoute } from './route.js';
import { type Session, signIn, signOut, storedKey } from './session.js';

export function App() {
  const [session, setSession] = useState<Session | 'checking' | undefined>(() =>
    storedKey() === undefined ? undefined : 'checking',
  );
  const route = useRoute();
  useEffect(() => {
    const key = storedKey();
    if (key === undefined) return;
    signIn(key).then(setSession, () => {
      signOut();
      setSession(undefined);
    });
  }, []);
  if (session === 'checking') return <p class="status">Checking your key…</p>;
  if (session === undefined) return <SignIn onSignedIn={setSession} />;
  return (
    <>
      <header class="top">
        <a class="brand" href="#/runs">
          tminus
        </a>
        <nav aria-label="Pages">
          {navItem(route, 'runs', 'Runs')}
          {navItem(route, 'queues', 'Queues')}
          {navItem(route, 'agents', 'Agents')}
          {navItem(route, 'jobs', 'Jobs')}
          {navItem(route, 'launch', 'Launch')}
        </nav>
        <span class="who" title={`key ${session.who.keyName}`}>
          {session.who.user ?? session.who.entity}
          <button
            type="button"
            class="link"
            onClick={() => {
              signOut();
              setSession(undefined);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main>{page(route, session)}</main>
    </>
  );
}

function navItem(route: Route, page: Route['page'], label: string) {
  const current = route.page === page || (page === 'runs' && route.page === 'run');
  return (
    <a href={`#/${page}`} aria-current={current ? 'page' : undefined}>
      {label}
    </a>
  );
}

function page(route: Route, session: Session) {
  switch (route.page) {
    case 'runs':
      return <RunsPage session={session} query={route.query} />;
    case 'run':
      return <RunPage session={session} id={route.id} />;
    case 'queues':
      return <QueuesPage session={session} />;
    case 'item':
      return <ItemPage session={session} id={route.id} />;
    case 'agents':
      return <AgentsPage session={session} />;
    case 'jobs':
      return <JobsPage session={session} />;
    case 'launch':
      return <LaunchPage session={session} job={route.job} />;
  }
}
