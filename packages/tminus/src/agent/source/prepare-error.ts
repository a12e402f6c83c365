/** A failure before the program starts, with a message the user can act on (stage `agent`). */
export class PrepareError extends Error {
  override readonly name = 'PrepareError';
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}
