/**
 * Validation helpers shared by every schema (the config, the HTTP request, the sweep's options):
 * strict objects whose unknown keys get a "did you mean" hint, and the translation of zod's
 * issues into one plain message per field (`sweep.endLr: must be greater than startLr (1e-7),
 * got 1e-8`), gathered in a {@linkcode ConfigError}.
 * @module
 */
import { z } from "zod";
import { InputError } from "./errors.ts";

/**
 * A strict object whose unknown keys get one message each, with a "did you mean" hint
 * ({@linkcode configIssues} turns them into one issue per key). `owner` names an optimizer.
 */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T, owner?: string) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => `${key}\t${unknownKeyMessage(key, known, owner)}`).join("\n")
        : undefined,
  });
}

function unknownKeyMessage(key: string, known: readonly string[], owner?: string): string {
  const params = owner ? known.filter((k) => k !== "name") : known;
  const close = closestKey(key, params);
  const hint = close ? `did you mean "${close}"?` : undefined;
  if (owner) {
    return `not a parameter of ${owner}; ${hint ?? `${owner} takes ${params.join(", ")}`}`;
  }
  return hint ? `unknown key, ${hint}` : `unknown key; expected one of ${params.join(", ")}`;
}

/**
 * The known name closest to `key`: the same letters ignoring case, `_` and `-`, or a typo or two
 * away (used for "did you mean" hints on config keys and command-line flags).
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.replace(/[_\-\s$]/g, "").toLowerCase();
  const exact = known.find((k) => norm(k) === norm(key));
  if (exact) return exact;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(norm(key), norm(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(key.length / 4)));
  return bestDistance <= allowed ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** One problem in a config: the dotted field path and what is wrong. */
export interface ConfigIssue {
  /** Dotted path such as `sweep.endLr` or `data.train.x`; empty for the whole config. */
  path: string;
  /** What is wrong, e.g. `must be greater than startLr (1e-7), got 1e-8`. */
  message: string;
}

/** An invalid config: the message lists every problem, one per line. */
export class ConfigError extends InputError {
  override name = "ConfigError";
  /** Every problem found. */
  readonly issues: ConfigIssue[];

  /** Creates the error from its issues; `source` (a file name) heads the message. */
  constructor(issues: ConfigIssue[], source?: string) {
    const lines = issues.map((issue) =>
      issue.path ? `${issue.path}: ${issue.message}` : issue.message
    );
    const message = lines.length === 1
      ? (source ? `${source}: ${lines[0]}` : lines[0])
      : `${source ? `${source} has` : "the config has"} ${lines.length} problems:\n  ${
        lines.join("\n  ")
      }`;
    super(message, { field: issues[0]?.path || source });
    this.issues = issues;
  }
}

/**
 * Turns zod issues from parsing `input` with this module's schemas (or schemas built from them)
 * into config issues with dotted paths and plain messages.
 */
export function configIssues(issues: readonly z.core.$ZodIssue[], input: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) collectIssue(issue, [], input, out);
  return out;
}

function collectIssue(
  issue: z.core.$ZodIssue,
  base: PropertyKey[],
  input: unknown,
  out: ConfigIssue[],
): void {
  const at = [...base, ...issue.path];
  const value = "input" in issue ? issue.input : valueAt(input, at);
  switch (issue.code) {
    case "unrecognized_keys": {
      for (const line of issue.message.split("\n")) {
        const [key, message] = line.includes("\t")
          ? line.split("\t")
          : [issue.keys.join(", "), "unknown key"];
        out.push({ path: dotted([...at, key]), message });
      }
      return;
    }
    case "invalid_union": {
      if (issue.discriminator !== undefined) {
        const options = ("options" in issue ? issue.options ?? [] : [])
          .map((o) => JSON.stringify(o)).join(", ");
        const name = (value as Record<string, unknown> | undefined)?.[issue.discriminator];
        const discriminatorPath = at[at.length - 1] === issue.discriminator
          ? at
          : [...at, issue.discriminator];
        out.push({
          path: dotted(discriminatorPath),
          message: name === undefined
            ? `is missing, expected one of ${options}`
            : `must be one of ${options}, got ${describe(name)}`,
        });
        return;
      }
      const branch = bestBranch(issue.errors, value);
      if (branch) {
        for (const inner of branch) collectIssue(inner, at, input, out);
      } else {
        out.push({ path: dotted(at), message: unionMessage(issue, value) });
      }
      return;
    }
    default:
      out.push({ path: dotted(at), message: issueMessage(issue, value) });
  }
}

/**
 * The union branch the input was meant for: the one that recognises the most of its keys.
 * `undefined` when no branch recognises any key.
 */
function bestBranch(
  branches: readonly (readonly z.core.$ZodIssue[])[],
  value: unknown,
): readonly z.core.$ZodIssue[] | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  let best: readonly z.core.$ZodIssue[] | undefined;
  let bestScore = -1;
  for (const issues of branches) {
    const unknown = issues
      .filter((i) => i.code === "unrecognized_keys" && i.path.length === 0)
      .reduce((n, i) => n + (i as z.core.$ZodIssueUnrecognizedKeys).keys.length, 0);
    const wrongType = issues.some((i) => i.code === "invalid_type" && i.path.length === 0);
    const recognised = wrongType ? 0 : keys.length - unknown;
    const score = recognised * 1000 - issues.length;
    if (recognised > 0 && score > bestScore) {
      best = issues;
      bestScore = score;
    }
  }
  return best;
}

/**
 * The message of a union no branch of which fits: the union's own description of its forms
 * (given as its `error`, see {@linkcode unionForms}), else the types its branches expect.
 */
function unionMessage(issue: z.core.$ZodIssueInvalidUnion, value: unknown): string {
  const forms = issue.message !== DEFAULT_UNION_MESSAGE ? issue.message : undefined;
  if (forms) {
    return value === undefined ? `is missing, ${forms}` : `${forms}, got ${describeShape(value)}`;
  }
  const expected = issue.errors.flatMap((branch) =>
    branch.filter((i) => i.code === "invalid_type" && i.path.length === 0)
      .map((i) => expectedType((i as z.core.$ZodIssueInvalidType).expected))
  );
  const list = expected.length > 0 ? [...new Set(expected)].join(" or ") : "another form";
  return value === undefined
    ? `is missing, expected ${list}`
    : `expected ${list}, got ${describe(value)}`;
}

/** zod's message for a union without an `error` of its own. */
const DEFAULT_UNION_MESSAGE = "Invalid input";

/**
 * The `error` option of a union whose forms a message should list when the input fits none:
 * `z.union([...], unionForms("expected one of {x, y}, {csv, label}"))`.
 */
export function unionForms(
  forms: string,
): { error: (issue: { code: string }) => string | undefined } {
  return { error: (issue) => issue.code === "invalid_union" ? forms : undefined };
}

function issueMessage(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case "invalid_type":
      if (value === undefined) return `is missing, expected ${expectedType(issue.expected)}`;
      return `expected ${expectedType(issue.expected)}, got ${describe(value)}`;
    case "too_small":
      if (issue.origin === "string") return "must not be empty";
      return issue.inclusive
        ? `must be at least ${issue.minimum}, got ${describe(value)}`
        : `must be greater than ${issue.minimum}, got ${describe(value)}`;
    case "too_big":
      return issue.inclusive
        ? `must be at most ${issue.maximum}, got ${describe(value)}`
        : `must be less than ${issue.maximum}, got ${describe(value)}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${
        describe(value)
      }`;
    default:
      return issue.code === "custom"
        ? issue.message
        : issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  }
}

function expectedType(expected: string): string {
  switch (expected) {
    case "int":
      return "an integer";
    case "number":
      return "a number";
    case "string":
      return "a string";
    case "boolean":
      return "true or false";
    case "object":
      return "an object";
    case "array":
    case "tuple":
      return "an array";
    default:
      return expected;
  }
}

/** A short description of a value for messages: `5`, `"adam"`, `an object`, `nothing`. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (value === null || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "an array";
  return "an object";
}

function describeShape(value: unknown): string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return describe(value);
  const keys = Object.keys(value);
  return keys.length ? `an object with keys ${keys.join(", ")}` : "an empty object";
}

function dotted(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/**
 * The first problem of a failed parse as an {@linkcode InputError} naming its field, worded as
 * `numIters must be at least 10, got 5`.
 */
export function firstIssueError(issues: readonly z.core.$ZodIssue[], input: unknown): InputError {
  const [first] = configIssues(issues, input);
  const joint = /^(must|is) /.test(first.message) ? " " : ": ";
  return new InputError(`${first.path}${joint}${first.message}`, { field: first.path });
}
