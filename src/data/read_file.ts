/**
 * Reading a user's input files with errors that name the file and say how to fix the problem.
 * Files are only ever opened for reading.
 * @module
 */
import { InputError } from "../errors.ts";

/** Options of {@linkcode readInputFile}. */
export interface ReadInputFileOptions {
  /** What the file is, for messages: `"data file"`, `"model weights"`. */
  what?: string;
}

/** Reads a whole file as bytes; a missing or unreadable file is an {@linkcode InputError}. */
export async function readInputFile(
  path: string,
  options: ReadInputFileOptions = {},
): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    throw readError(path, error, options);
  }
}

/** Reads a whole file as UTF-8 text (a leading byte-order mark is dropped). */
export async function readInputText(
  path: string,
  options: ReadInputFileOptions = {},
): Promise<string> {
  const bytes = await readInputFile(path, options);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    throw new InputError(
      `${path}: expected UTF-8 text, found invalid byte sequences: save the file as UTF-8`,
      {
        field: path,
        cause: error,
      },
    );
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** An {@linkcode InputError} for a file that could not be read. */
export function readError(
  path: string,
  error: unknown,
  options: ReadInputFileOptions = {},
): InputError {
  const what = options.what ?? "file";
  let problem: string;
  if (error instanceof Deno.errors.NotFound) {
    problem = `${what} not found`;
  } else if (error instanceof Deno.errors.PermissionDenied) {
    problem = `${what} cannot be read: permission denied`;
  } else if (error instanceof Deno.errors.IsADirectory) {
    problem = `expected a ${what}, found a directory`;
  } else {
    problem = `${what} cannot be read: ${error instanceof Error ? error.message : String(error)}`;
  }
  return new InputError(`${path}: ${problem}`, { field: path, cause: error });
}
