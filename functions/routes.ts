/**
 * The route table: each path maps its methods to a small handler. The router answers 404 for an
 * unknown path, 405 with `Allow` for a method the path does not have, and 204 with `Allow` for
 * `OPTIONS` (the CORS wrapper adds the preflight headers). `HEAD` is answered by the `GET`
 * handler; Deno then sends the headers (with the body's real `Content-Length`) and no body.
 * @module
 */
import type { Handler } from "./middleware.ts";
import { HttpError } from "./problem.ts";

/** Handlers of one path by method (`GET` also answers `HEAD`). */
export type MethodTable = Readonly<Partial<Record<"GET" | "HEAD" | "POST", Handler>>>;

/** Paths and their handlers. */
export type RouteTable = Readonly<Record<string, MethodTable>>;

/** The handler that dispatches a request by path and method. */
export function router(routes: RouteTable): Handler {
  return async (request) => {
    const { pathname } = new URL(request.url);
    if (!Object.hasOwn(routes, pathname)) {
      throw new HttpError(
        404,
        `no route ${pathname}: the API has POST /v1/sweep, GET /v1/health and the page at /`,
      );
    }
    const methods = routes[pathname];
    const allowed = allowedMethods(methods);
    const allow = [...allowed, "OPTIONS"].join(", ");
    if (request.method === "OPTIONS") {
      return new Response(null, { status: 204, headers: { allow } });
    }
    const handler = methods[request.method as keyof MethodTable] ??
      (request.method === "HEAD" ? methods.GET : undefined);
    if (!handler) {
      throw new HttpError(
        405,
        `${pathname} answers ${allowed.join(" and ")}, not ${request.method}`,
        { headers: { allow } },
      );
    }
    return await handler(request);
  };
}

function allowedMethods(methods: MethodTable): string[] {
  const names = Object.keys(methods);
  if (names.includes("GET") && !names.includes("HEAD")) {
    names.splice(names.indexOf("GET") + 1, 0, "HEAD");
  }
  return names;
}
