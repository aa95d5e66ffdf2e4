/**
 * The HTTP function as a library, to serve it from your own Deno server:
 * `Deno.serve(createHandler({ backend: await setupBackend("auto") }).fetch)`.
 * `main.ts` is the entry point of `deno serve`.
 * @module
 */
export {
  createHandler,
  type HandlerOptions,
  type HealthStatus,
  type SweepHandler,
  type SweepRecord,
} from "./handler.ts";
export { DEFAULT_LIMITS, LIMIT_ENV, type Limits, limitsFromEnv } from "./limits.ts";
export { type ServerSettings, settingsFromEnv } from "./settings.ts";
export { parseSweepRequest, type SweepJob } from "./request.ts";
export { SWEEP_MEDIA_TYPES, type SweepFormat } from "./negotiate.ts";
export type { PreparedTopology } from "./topology.ts";
