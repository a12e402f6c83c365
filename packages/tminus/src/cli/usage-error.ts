/** A mistake in how the command was called: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** A waited-for run ended without success: exit code 3. */
export class RunFailedExit extends Error {
  override readonly name = 'RunFailedExit';
}

export const EXIT = { ok: 0, error: 1, usage: 2, runFailed: 3 } as const;
