/**
 * Entry point of the HTTP function (`deno task serve`): reads the settings from the
 * environment, starts the sweep worker and serves {@linkcode createHandler} behind the front
 * listener that enforces the header timeout. Logs one line per sweep and per worker event on
 * stderr.
 *
 * ```sh
 * deno task serve                          # http://0.0.0.0:8000
 * deno task serve --port 9000 --host 127.0.0.1
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { InputError, isInputError } from "../src/errors.ts";
import { formatDuration } from "../src/report/format.ts";
import { type Front, serveBehindFront } from "./front.ts";
import { createHandler } from "./handler.ts";
import { settingsFromEnv } from "./settings.ts";

const args = await startupStep(() => listenAddress(Deno.args));
const settings = await startupStep(() => settingsFromEnv(Deno.env.toObject()));
const connections = { front: undefined as Front | undefined };
const handler = createHandler({
  backend: settings.backend,
  limits: settings.limits,
  token: settings.token,
  corsOrigins: settings.corsOrigins,
  connections: () => connections.front!.stats(),
  onSweepEnd(record) {
    console.error(
      `lr-finder: sweep ${record.status} ${record.format} ${record.stopReason ?? "failed"} ` +
        `${record.steps} steps in ${formatDuration(record.ms)}`,
    );
  },
  onWorkerEvent(event) {
    if (event.type === "ready") {
      console.error(`lr-finder: sweep worker ready in ${formatDuration(event.ms ?? 0)}`);
    } else {
      console.error(`lr-finder: sweep worker ${event.type}: ${event.reason}`);
    }
  },
});
const front = serveBehindFront(handler.fetch, {
  ...args,
  headerTimeoutMs: settings.limits.headerTimeoutMs,
});
connections.front = front;
console.error(`lr-finder: Listening on http://${args.hostname}:${front.addr.port}/`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    // The worker first: a running sweep fails at once and its request ends.
    await handler.close();
    await front.shutdown();
    Deno.exit(0);
  });
}

/** `--host` (default 0.0.0.0) and `--port` (default 8000). */
function listenAddress(argv: string[]): { hostname: string; port: number } {
  const { values } = parseArgs({
    args: argv,
    options: { host: { type: "string" }, port: { type: "string" } },
  });
  const port = Number(values.port ?? "8000");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InputError(`--port must be a port number from 0 to 65535, got ${values.port}`);
  }
  return { hostname: values.host ?? "0.0.0.0", port };
}

/** Runs a startup step; a configuration mistake ends the process with its message, no trace. */
async function startupStep<T>(step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!isInputError(error) && !isArgError(error)) {
      throw error;
    }
    console.error(`lr-finder: ${(error as Error).message}`);
    Deno.exit(2);
  }
}

function isArgError(error: unknown): boolean {
  return error instanceof TypeError &&
    /ERR_PARSE_ARGS/.test(String((error as { code?: string }).code));
}
