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
  /** `--debug` was given: print the stack trace (and causes) after the message. */
  debug?: boolean;
}

/** The flag that asks for stack traces; main functions look for it before parsing. */
export const DEBUG_FLAG = "--debug";

/**
 * Prints an error to stderr and returns its exit code. An input error (or a missing Deno
 * permission) prints `error: ` and its message and returns 2; a missing file adds where relative
 * paths are resolved. Anything else is unexpected: one line with its message and a hint to rerun
 * with `--debug`, and the code is 1. No stack trace is printed unless `debug` is set.
 */
export function reportError(error: unknown, options: ReportErrorOptions = {}): number {
  const code = printError(error, options);
  if (options.debug) writeErr(`${stackText(error)}\n`);
  return code;
}

function printError(error: unknown, options: ReportErrorOptions): number {
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
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split("\n").find((line) => line.trim() !== "")?.trim() ?? "";
  writeErr(`error: unexpected failure: ${firstLine || String(error)}\n`);
  if (!options.debug) {
    writeErr(
      `(rerun with ${DEBUG_FLAG} for the stack trace, and please report it with that output)\n`,
    );
  }
  return EXIT_CODES.failed;
}

/** The error's stack trace and those of its causes. */
function stackText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 10; depth++) {
    parts.push(current instanceof Error ? current.stack ?? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join("\ncaused by: ");
}

function causedBy(error: unknown, type: typeof Deno.errors.NotFound): boolean {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    if (current instanceof type) return true;
    current = current.cause;
  }
  return false;
}
