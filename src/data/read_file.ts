/**
 * Reading a user's input files, and parsing JSON text, with errors that name the file (and for
 * JSON the line and column) and say how to fix the problem. Files are only ever opened for
 * reading.
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

/**
 * Parses JSON text; a syntax error is an {@linkcode InputError} naming the file, line and
 * column: `lr-finder.json:3:5: invalid JSON: expected double-quoted property name`.
 */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const { offset, reason } = jsonErrorAt(error, text);
    const before = text.slice(0, offset).split("\n");
    const line = before.length;
    const column = before[before.length - 1].length + 1;
    throw new InputError(`${source}:${line}:${column}: invalid JSON: ${reason}`, {
      field: source,
      cause: error,
    });
  }
}

/**
 * Where a `JSON.parse` error happened and why, from V8's message: `... at position N`, or for
 * an unexpected token the context snippet V8 quotes (10 characters either side of it).
 */
function jsonErrorAt(error: unknown, text: string): { offset: number; reason: string } {
  const message = error instanceof Error ? error.message : String(error);
  const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
  const position = /^(.*?) in JSON at position (\d+)/.exec(message);
  if (position) return { offset: Number(position[2]), reason: lower(position[1]) };
  const token = /^Unexpected token '([\s\S])', (\.\.\.)?"([\s\S]*)"(?:\.\.\.)? is not valid JSON$/
    .exec(message);
  if (token) {
    const [, char, cut, snippet] = token;
    const start = text.indexOf(snippet);
    const offset = cut && start >= 0 ? start + 10 : text.indexOf(char, Math.max(start, 0));
    return { offset: Math.max(offset, 0), reason: `unexpected token '${char}'` };
  }
  return { offset: text.length, reason: lower(message) };
}
