/**
 * The error type for mistakes a user can fix: a bad config field, a missing file, a malformed
 * data cell, an impossible option. Surfaces show its message without a stack trace (CLI exit
 * code 2, HTTP 422, a failed Action step naming the fix).
 * @module
 */

/** Options of {@linkcode InputError}. */
export interface InputErrorOptions {
  /** The field path, flag or file the error is about, e.g. `sweep.endLr` or `data/x.npy`. */
  field?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * A mistake in the user's input. Messages start lowercase, have no trailing period and say what
 * was expected and what was found: `sweep.endLr must be greater than startLr (1e-7), got 1e-8`.
 */
export class InputError extends Error {
  /** Always `InputError`, so surfaces can recognise it across module copies. */
  override name = "InputError";
  /** The field path, flag or file the error is about. */
  readonly field?: string;

  /** Creates an input error with a message a person can act on. */
  constructor(message: string, options: InputErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.field = options.field;
  }
}

/** True when an error is an {@linkcode InputError}, also across module copies. */
export function isInputError(error: unknown): error is InputError {
  return error instanceof InputError ||
    (error instanceof Error && error.name === "InputError");
}
