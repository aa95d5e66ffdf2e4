/**
 * Errors as RFC 9457 problem details (`application/problem+json`): a status, a title, a
 * `detail` a person can act on and, for invalid fields, one entry per field with its path.
 * @module
 */
import { ConfigError } from "../src/validation.ts";
import { isInputError } from "../src/errors.ts";

/** Media type of problem details. */
export const PROBLEM_TYPE = "application/problem+json";

/** One invalid field of a request. */
export interface FieldProblem {
  /** Dotted path as in config messages, e.g. `sweep.endLr` or `data.x[3]`. */
  path: string;
  /** The same place as a JSON Pointer (RFC 6901) into the request body, e.g. `/sweep/endLr`. */
  pointer: string;
  /** What is wrong there. */
  detail: string;
}

/** The body of a problem response. */
export interface ProblemDetails {
  /** `about:blank`: the status code says what kind of problem it is. */
  type: string;
  /** The status code's reason phrase. */
  title: string;
  /** The HTTP status code. */
  status: number;
  /** What went wrong and how to fix it. */
  detail: string;
  /** Invalid fields, for validation failures. */
  errors?: FieldProblem[];
}

/** Options of {@linkcode HttpError}. */
export interface HttpErrorOptions {
  /** Invalid fields (422). */
  errors?: FieldProblem[];
  /** Extra response headers, e.g. `Allow` or `Retry-After`. */
  headers?: Record<string, string>;
  /** The underlying error. */
  cause?: unknown;
}

/** An error that becomes a problem response with its status. */
export class HttpError extends Error {
  override name = "HttpError";
  /** HTTP status code. */
  readonly status: number;
  /** Invalid fields, if any. */
  readonly errors?: FieldProblem[];
  /** Extra response headers. */
  readonly headers: Record<string, string>;

  /** Creates an error answered with `status` and `detail` as the problem's detail. */
  constructor(status: number, detail: string, options: HttpErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  499: "Client Closed Request",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** The problem details of a status and detail. */
export function problemDetails(
  status: number,
  detail: string,
  errors?: FieldProblem[],
): ProblemDetails {
  const problem: ProblemDetails = {
    type: "about:blank",
    title: TITLES[status] ?? "Error",
    status,
    detail,
  };
  if (errors && errors.length > 0) problem.errors = errors;
  return problem;
}

/** A problem response for an {@linkcode HttpError}. */
export function problemResponse(error: HttpError): Response {
  return new Response(
    JSON.stringify(problemDetails(error.status, error.message, error.errors), null, 2) + "\n",
    {
      status: error.status,
      headers: {
        "content-type": PROBLEM_TYPE,
        "cache-control": "no-store",
        ...error.headers,
      },
    },
  );
}

/**
 * The HTTP error for an error thrown while handling a request: an {@linkcode HttpError} as it
 * is, a user's mistake (`InputError`, `ConfigError` with every issue) as 422 naming the
 * fields, anything else as `undefined` (a bug: the caller answers 500).
 */
export function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof ConfigError) {
    const errors = error.issues.map((issue) => fieldProblem(issue.path, issue.message));
    const lines = error.issues.map((issue) =>
      issue.path ? `${issue.path}: ${issue.message}` : issue.message
    );
    const detail = lines.length === 1
      ? lines[0]
      : `the request has ${lines.length} problems:\n  ${lines.join("\n  ")}`;
    return new HttpError(422, detail, { errors, cause: error });
  }
  if (isInputError(error)) {
    const errors = error.field ? [fieldProblem(error.field, error.message)] : undefined;
    return new HttpError(422, error.message, { errors, cause: error });
  }
  return undefined;
}

/** A field problem from a dotted path such as `model.layers[2].units`. */
export function fieldProblem(path: string, detail: string): FieldProblem {
  return { path, pointer: jsonPointer(path), detail };
}

/** The JSON Pointer of a dotted path: `data.x[3][1]` becomes `/data/x/3/1`. */
export function jsonPointer(path: string): string {
  if (path === "") return "";
  const parts: string[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) parts.push(match[1] ?? match[2]);
  return parts.map((p) => `/${p.replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}
