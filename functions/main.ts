/**
 * Entry point of the HTTP function for `deno serve` (`deno task serve`): reads the settings
 * from the environment, starts the TensorFlow.js backend and serves {@linkcode createHandler}.
 * Logs one line per sweep on stderr.
 * @module
 */
import { setupBackend } from "../src/backend.ts";
import { formatDuration } from "../src/report/mod.ts";
import { createHandler } from "./handler.ts";
import { settingsFromEnv } from "./settings.ts";

const settings = settingsFromEnv(Deno.env.toObject());
const backend = await setupBackend(settings.backend);
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
