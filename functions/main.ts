/**
 * Entry point of the HTTP function for `deno serve` (`deno task serve`): reads the settings
 * from the environment, starts the TensorFlow.js backend and serves {@linkcode createHandler}.
 * Logs one line per sweep on stderr.
 * @module
 */
import { setupBackend } from "../src/backend.ts";
import { isInputError } from "../src/errors.ts";
import { formatDuration } from "../src/report/mod.ts";
import { createHandler } from "./handler.ts";
import { settingsFromEnv } from "./settings.ts";

const settings = await startupStep(() => settingsFromEnv(Deno.env.toObject()));
const backend = await startupStep(() => setupBackend(settings.backend));
console.error(`lr-finder: backend ${backend.name} (${backend.reason})`);

const handler = createHandler({
  backend,
  limits: settings.limits,
  token: settings.token,
  corsOrigins: settings.corsOrigins,
  onSweepEnd(record) {
    console.error(
      `lr-finder: sweep ${record.status} ${record.format} ${record.stopReason ?? "failed"} ` +
        `${record.steps} steps in ${formatDuration(record.ms)}`,
    );
  },
});

/** The `fetch` handler `deno serve` calls. */
export default { fetch: handler.fetch } satisfies Deno.ServeDefaultExport;

/** Runs a startup step; a configuration mistake ends the process with its message, no trace. */
async function startupStep<T>(step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!isInputError(error)) throw error;
    console.error(`lr-finder: ${error.message}`);
    Deno.exit(2);
  }
}
