/**
 * The server's settings from environment variables: the limits, the backend, the optional
 * bearer token and the origins allowed to call from a browser.
 * @module
 */
import { type BackendRequest, isBackendRequest } from "../src/backend.ts";
import { InputError } from "../src/errors.ts";
import { type Limits, limitsFromEnv } from "./limits.ts";

/** Everything `main.ts` reads from the environment. */
export interface ServerSettings {
  /** See {@linkcode Limits}; `LR_FINDER_MAX_*`, `LR_FINDER_TIME_BUDGET_MS`. */
  limits: Limits;
  /** `LR_FINDER_BACKEND`: auto (default), wasm, cpu or webgpu. */
  backend: BackendRequest;
  /** `LR_FINDER_TOKEN`: when set, sweeps need `Authorization: Bearer <token>`. */
  token?: string;
  /** `LR_FINDER_CORS_ORIGINS`: `*` or a comma-separated list of origins; default none. */
  corsOrigins: string[];
}

/** Reads the settings; a bad value is an {@linkcode InputError} naming the variable. */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): ServerSettings {
  const backend = env.LR_FINDER_BACKEND?.trim() || "auto";
  if (!isBackendRequest(backend)) {
    throw new InputError(
      `LR_FINDER_BACKEND must be one of auto, wasm, cpu, webgpu, got ${JSON.stringify(backend)}`,
      { field: "LR_FINDER_BACKEND" },
    );
  }
  const settings: ServerSettings = {
    limits: limitsFromEnv(env),
    backend,
    corsOrigins: (env.LR_FINDER_CORS_ORIGINS ?? "").split(",").map((o) => o.trim())
      .filter((o) => o !== ""),
  };
  for (const origin of settings.corsOrigins) {
    if (origin !== "*" && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new InputError(
        `LR_FINDER_CORS_ORIGINS must hold * or origins such as https://example.com (scheme and ` +
          `host, no path), got ${JSON.stringify(origin)}`,
        { field: "LR_FINDER_CORS_ORIGINS" },
      );
    }
  }
  const token = env.LR_FINDER_TOKEN?.trim();
  if (token) settings.token = token;
  return settings;
}
