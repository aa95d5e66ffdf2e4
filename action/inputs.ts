/**
 * The Action's inputs, read through a `getInput` function (`@actions/core`'s in the runner) and
 * checked: every mistake is an {@linkcode InputError} naming the input and the accepted values.
 * @module
 */
import { type BackendRequest, isBackendRequest } from "../src/backend.ts";
import { InputError } from "../src/errors.ts";

/** What the Action does: sweep the configs, or comment on results swept elsewhere. */
export type ActionMode = "sweep" | "comment-only";

/** The Action's inputs after checking. */
export interface ActionInputs {
  /** Config paths (one per line of the `config` input). */
  configs: string[];
  /** Backend request; `auto` leaves the choice to each config. */
  backend: BackendRequest;
  /** Fail unless a real GPU adapter is found. */
  requireGpu: boolean;
  /** Token for the REST API; empty disables comments and image hosting. */
  token: string;
  /** Post or update one sticky comment per config on pull requests. */
  comment: boolean;
  /** Branch that hosts plots and results; empty disables image hosting. */
  imageBranch: string;
  /** Fail the step on errors (otherwise they become warnings). */
  failOnError: boolean;
  /** `sweep` or `comment-only`. */
  mode: ActionMode;
  /** Folder of a downloaded results artifact (`comment-only` mode). */
  resultsDir: string;
  /**
   * Config names a results artifact may hold (`comment-only` mode); empty: the names of the
   * configs in `configs`.
   */
  expectedNames: string[];
  /** Commits kept per pull request and per branch on the image branch; 0 keeps everything. */
  retention: number;
}

/** Reads one input as the runner passes it; `undefined` when the input is not set at all. */
export type GetInput = (name: string) => string | undefined;

/** Default values, as in `action.yml`. */
export const INPUT_DEFAULTS = {
  config: "lr-finder.json",
  backend: "auto",
  "require-gpu": "false",
  comment: "true",
  "image-branch": "lr-finder-assets",
  "fail-on-error": "true",
  mode: "sweep",
  "results-dir": "lr-finder-results",
  "expected-names": "",
  retention: "10",
} as const;

/** Largest `retention`. */
export const MAX_RETENTION = 1000;

const MODES: readonly ActionMode[] = ["sweep", "comment-only"];
const TRUE = ["true", "True", "TRUE"];
const FALSE = ["false", "False", "FALSE"];

/**
 * Reads and checks every input. Unset or empty inputs take the defaults of `action.yml` (so the
 * entry point also works when started without the composite wrapper), except `image-branch`,
 * where an empty value disables image hosting.
 */
export function readInputs(getInput: GetInput): ActionInputs {
  const get = (name: keyof typeof INPUT_DEFAULTS) => getInput(name)?.trim() || INPUT_DEFAULTS[name];
  const configs = lines(get("config"));
  const backend = get("backend");
  if (!isBackendRequest(backend)) {
    throw new InputError(
      `input backend must be one of auto, webgpu, wasm, cpu, got ${JSON.stringify(backend)}`,
      { field: "backend" },
    );
  }
  const mode = get("mode");
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new InputError(
      `input mode must be sweep or comment-only, got ${JSON.stringify(mode)}`,
      { field: "mode" },
    );
  }
  const branch = getInput("image-branch")?.trim() ?? INPUT_DEFAULTS["image-branch"];
  if (branch !== "" && !validBranchName(branch)) {
    throw new InputError(
      `input image-branch must be a valid branch name (or empty to disable image hosting), got ${
        JSON.stringify(branch)
      }`,
      { field: "image-branch" },
    );
  }
  const retentionText = get("retention");
  const retention = Number(retentionText);
  if (!/^\d+$/.test(retentionText) || retention > MAX_RETENTION) {
    throw new InputError(
      `input retention must be a whole number from 0 (keep everything) to ${MAX_RETENTION}, ` +
        `got ${JSON.stringify(retentionText)}`,
      { field: "retention" },
    );
  }
  return {
    configs,
    backend,
    requireGpu: booleanInput("require-gpu", get("require-gpu")),
    token: getInput("github-token")?.trim() ?? "",
    comment: booleanInput("comment", get("comment")),
    imageBranch: branch,
    failOnError: booleanInput("fail-on-error", get("fail-on-error")),
    mode: mode as ActionMode,
    resultsDir: get("results-dir"),
    expectedNames: lines(getInput("expected-names") ?? ""),
    retention,
  };
}

/** The non-empty lines of a multi-line input, trimmed. */
function lines(value: string): string[] {
  return value.split(/\r?\n/).map((line) => line.trim()).filter((line) => line);
}

/** Parses a boolean input as the runner does (YAML 1.2 core schema: true, True, TRUE, ...). */
export function booleanInput(name: string, value: string): boolean {
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  throw new InputError(`input ${name} must be true or false, got ${JSON.stringify(value)}`, {
    field: name,
  });
}

/** A conservative check of git's branch name rules. */
function validBranchName(name: string): boolean {
  return /^[A-Za-z0-9._\/-]+$/.test(name) && !name.startsWith("/") && !name.endsWith("/") &&
    !name.endsWith(".lock") && !name.includes("..") && !name.includes("//") &&
    !name.startsWith("-");
}
