/**
 * The HTTP function as a library, to serve it from your own Deno server:
 * `Deno.serve(createHandler({ backend: "auto" }).fetch)` (sweeps run in a worker process the
 * handler starts). `main.ts` is the entry point of `deno task serve`, which also puts the
 * header-timeout listener of `front.ts` in front.
 * @module
 */
export {
  createHandler,
  type HandlerOptions,
  type HealthStatus,
  type SweepHandler,
  type SweepRecord,
} from "./handler.ts";
export { type Front, type FrontOptions, serveBehindFront } from "./front.ts";
export { DEFAULT_LIMITS, LIMIT_ENV, type Limits, limitsFromEnv } from "./limits.ts";
export { type ServerSettings, settingsFromEnv } from "./settings.ts";
export { parseSweepRequest, type SweepJob } from "./request.ts";
export { SWEEP_MEDIA_TYPES, type SweepFormat } from "./negotiate.ts";
export type { PreparedTopology } from "./topology.ts";
export { type WorkerPool, type WorkerStatus } from "./worker_pool.ts";
export type { VerifyBudget, VerifyPlan } from "./verify_budget.ts";
