/**
 * Strict flag parsing for the small commands (the demo, the examples): only the given flags, no
 * positional arguments, and a mistake reported as one line that says how to fix it.
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { InputError } from "../errors.ts";

/**
 * Parses `args` against `options` and returns the flags' values; an unknown flag, a missing
 * value or a positional argument is an {@linkcode InputError}: Node's first line, then `fix`
 * (e.g. `" (see --help)"`).
 */
export function parseFlags<T extends ParseArgsOptionsConfig>(
  args: readonly string[],
  options: T,
  fix: string,
) {
  try {
    return parseArgs({ args: [...args], strict: true, allowPositionals: false, options }).values;
  } catch (error) {
    throw new InputError(
      `${(error instanceof Error ? error.message : String(error)).split("\n")[0]}${fix}`,
    );
  }
}
