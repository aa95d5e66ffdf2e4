/**
 * Writing to stdout and stderr for the command line, and turning an error into its message and
 * exit code: 2 for a mistake the user can fix (no stack trace), 1 for anything else.
 * @module
 */
import { isInputError } from "../errors.ts";

/** Exit codes of the command line. */
export const EXIT_CODES = {
  /** The sweep ran and the reports were written. */
  done: 0,
  /** Anything else: an unexpected failure, or a sweep stopped with Ctrl-C. */
  failed: 1,
  /** A mistake in the input the user can fix: config, flags, model or data. */
  badInput: 2,
} as const;

const encoder = new TextEncoder();

/** Writes text to stdout, all of it, synchronously; a closed pipe is ignored. */
export function writeOut(text: string): void {
  writeAll(Deno.stdout, encoder.encode(text));
}

/** Writes text to stderr, all of it, synchronously; a closed pipe is ignored. */
export function writeErr(text: string): void {
  writeAll(Deno.stderr, encoder.encode(text));
}

function writeAll(target: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let written = 0;
  try {
    while (written < bytes.length) written += target.writeSync(bytes.subarray(written));
  } catch (error) {
    // A closed pipe (`lr-find ... | head`) is the reader's choice, not a failure.
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  }
}

/** Options of {@linkcode reportError}. */
export interface ReportErrorOptions {
  /** The command to suggest when Deno lacks a permission, e.g. `deno task lr-find`. */
  task?: string;
}

/**
 * Prints an error to stderr and returns its exit code. An input error (or a missing Deno
 * permission) prints `error: ` and its message, without a stack trace, and returns 2; a missing
 * file adds where relative paths are resolved. Anything else is unexpected: its stack is printed
 * for a bug report, and the code is 1.
 */
export function reportError(error: unknown, options: ReportErrorOptions = {}): number {
  if (isInputError(error)) {
    const hint = causedBy(error, Deno.errors.NotFound)
      ? `\n(relative paths given as flags are resolved against the working directory, ` +
        `${Deno.cwd()}; paths in a config file against the config file's folder)`
      : "";
    writeErr(`error: ${(error as Error).message}${hint}\n`);
    return EXIT_CODES.badInput;
  }
  if (error instanceof Deno.errors.NotCapable) {
    const task = options.task ? ` (run it as \`${options.task}\`, which grants them)` : "";
    writeErr(`error: ${error.message}: Deno lacks a permission this needs${task}\n`);
    return EXIT_CODES.badInput;
  }
  const text = error instanceof Error ? error.stack ?? error.message : String(error);
  writeErr(`error: unexpected failure, please report it with this output:\n${text}\n`);
  return EXIT_CODES.failed;
}

function causedBy(error: unknown, type: typeof Deno.errors.NotFound): boolean {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    if (current instanceof type) return true;
    current = current.cause;
  }
  return false;
}
