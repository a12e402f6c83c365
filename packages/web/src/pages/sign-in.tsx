/** @module Sign in with an API key (checked with `whoami`, kept in this tab's session storage). */
import { useState } from 'preact/hooks';

import { ErrorBox } from '../parts/error-box.js';
import { type Session, signIn } from '../session.js';

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(key.trim()));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>tminus</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="current-password"
          required
          autofocus
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
        />
        <p class="hint">
          Your key stays in this tab only. Make one with <code>tminus key create</code>; an admin
          makes users with <code>tminus user create NAME</code>.
        </p>
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error !== undefined && <ErrorBox error={error} />}
      </form>
    </main>
  );
}
