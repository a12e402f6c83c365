/** @module An error as the API reported it: what was wrong and how to fix it. */
import { describeError } from '../format.js';

export function ErrorBox({ error }: { error: unknown }) {
  const { message, hint, code } = describeError(error);
  return (
    <div class="error" role="alert">
      <strong>{code ?? 'Error'}:</strong> {message}
      {hint !== undefined && <p class="hint">{hint}</p>}
    </div>
  );
}
