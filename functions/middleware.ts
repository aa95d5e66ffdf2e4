/**
 * Handlers and the wrappers around them (after Hono's middleware): each cross-cutting concern is
 * one small function `(request, next) => response` (errors as problem documents, CORS, security
 * headers, authentication, body limits), and {@linkcode compose} stacks them on a handler.
 * @module
 */
import { HttpError, problemResponse, toHttpError } from "./problem.ts";

/** Answers a request. */
export type Handler = (request: Request) => Promise<Response>;

/** Wraps a handler: may answer itself, change the request, or change the response. */
export type Middleware = (request: Request, next: Handler) => Promise<Response>;

/** The handler with `middlewares` around it, the first one outermost. */
export function compose(middlewares: readonly Middleware[], handler: Handler): Handler {
  return middlewares.reduceRight<Handler>(
    (next, middleware) => (request) => middleware(request, next),
    handler,
  );
}

/**
 * Turns every error into a problem response: an `HttpError` or a user's mistake with its status,
 * anything else a 500 whose cause is logged (never sent).
 */
export const problemBoundary: Middleware = async (request, next) => {
  try {
    return await next(request);
  } catch (error) {
    return problemResponse(toHttpError(error) ?? internalError(error));
  }
};

/** The 500 of an unexpected error; the error goes to the server's log only. */
export function internalError(error: unknown): HttpError {
  console.error("lr-finder: internal error:", error);
  return new HttpError(500, "internal error while handling the request; see the server log", {
    cause: error,
  });
}

/** Headers every response carries: no MIME sniffing, no referrer. */
export const securityHeaders: Middleware = async (request, next) => {
  const response = await next(request);
  response.headers.set("x-content-type-options", "nosniff");
  if (!response.headers.has("referrer-policy")) {
    response.headers.set("referrer-policy", "no-referrer");
  }
  return response;
};

const ALLOWED_REQUEST_HEADERS = "authorization, content-type, accept";

/**
 * CORS for the configured origins (`*` for any): the allow-origin header on every answer to an
 * allowed origin, and the preflight headers on its `OPTIONS` requests. Other origins get none.
 */
export function cors(origins: readonly string[]): Middleware {
  const any = origins.includes("*");
  return async (request, next) => {
    const response = await next(request);
    const origin = request.headers.get("origin");
    if (!origin || origins.length === 0 || (!any && !origins.includes(origin))) return response;
    response.headers.set("access-control-allow-origin", any ? "*" : origin);
    response.headers.set("access-control-expose-headers", "retry-after, content-type");
    if (!any) response.headers.append("vary", "origin");
    if (request.method === "OPTIONS") {
      response.headers.set("access-control-allow-methods", "GET, POST, OPTIONS");
      response.headers.set("access-control-allow-headers", ALLOWED_REQUEST_HEADERS);
      response.headers.set("access-control-max-age", "600");
    }
    return response;
  };
}

/**
 * Requires `Authorization: Bearer <token>` (compared in constant time, as SHA-256 digests);
 * without a token every request passes.
 */
export function bearerAuth(token: string | undefined): Middleware {
  if (!token) return (request, next) => next(request);
  const expected = sha256(token);
  return async (request, next) => {
    const header = request.headers.get("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !equalBytes(await expected, await sha256(match[1]))) {
      throw new HttpError(
        401,
        match
          ? "the bearer token is not valid for this server"
          : "this server needs a token: send Authorization: Bearer <token> (LR_FINDER_TOKEN)",
        { headers: { "www-authenticate": 'Bearer realm="lr-finder"' } },
      );
    }
    return await next(request);
  };
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Compares two digests in time independent of where they differ. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}
