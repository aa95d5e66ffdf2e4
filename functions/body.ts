/**
 * Reading a JSON request body safely: the size limit is enforced while the bytes arrive (a
 * declared `Content-Length` over it is refused before reading), the whole body must arrive
 * within a time limit (a slow body is a 408), and only so many bodies are read at once. The
 * text is then parsed and checked for `__proto__` keys before anything else looks at it.
 * @module
 */
import { parseJson } from "../src/data/read_file.ts";
import { isInputError } from "../src/errors.ts";
import type { Middleware } from "./middleware.ts";
import { fieldProblem, HttpError } from "./problem.ts";

import { MAX_JSON_DEPTH } from "./json_scan.ts";

export { MAX_JSON_DEPTH };

/** Limits of {@linkcode readBody}. */
export interface ReadBodyOptions {
  /** Most bytes; more is a 413. */
  maxBytes: number;
  /** Milliseconds the whole body may take to arrive; longer is a 408. */
  timeoutMs: number;
  /** Sees every chunk as it arrives; an error it throws ends the reading (the rest is unread). */
  inspect?: (chunk: Uint8Array) => void;
}

/** Options of {@linkcode bodyLimit}. */
export interface BodyLimitOptions extends Omit<ReadBodyOptions, "inspect"> {
  /** Most bodies read at the same time; one more is a 503 with `Retry-After`. */
  maxConcurrent: number;
  /** Makes each request's chunk inspector (e.g. a JSON scanner counting what would be built). */
  inspector?: () => (chunk: Uint8Array) => void;
}

/** Bodies read by {@linkcode bodyLimit}, by request (one copy, no second `Request`). */
const bodies = new WeakMap<Request, Uint8Array>();

/** The body {@linkcode bodyLimit} read for this request. */
export function bodyOf(request: Request): Uint8Array {
  const bytes = bodies.get(request);
  if (!bytes) throw new Error("the request's body was not read by bodyLimit");
  return bytes;
}

/**
 * Reads the request's body within the limits before the next handler runs; the handler takes
 * the bytes with {@linkcode bodyOf}, so nothing after it reads from the network.
 */
export function bodyLimit(options: BodyLimitOptions): Middleware {
  let reading = 0;
  return async (request, next) => {
    if (reading >= options.maxConcurrent) {
      throw new HttpError(
        503,
        `the server is receiving ${reading} other request bodies; retry in 1 s`,
        { headers: { "retry-after": "1" } },
      );
    }
    reading++;
    try {
      bodies.set(request, await readBody(request, { ...options, inspect: options.inspector?.() }));
    } finally {
      reading--;
    }
    try {
      return await next(request);
    } finally {
      bodies.delete(request);
    }
  };
}

/**
 * Reads the whole body: at most `maxBytes` (more is a 413 and the rest is not read), within
 * `timeoutMs` (a 408, and the connection is closed). An empty body is a 400.
 */
export async function readBody(
  request: Request,
  options: ReadBodyOptions,
): Promise<Uint8Array<ArrayBuffer>> {
  const { maxBytes } = options;
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    throw tooLarge(maxBytes, `declares ${declared} bytes`);
  }
  if (!request.body) throw new HttpError(400, "the request body is empty; expected JSON");
  const reader = request.body.getReader();
  // Filled in place and doubled as needed: a declared length is trusted only up to 1 MiB, so a
  // body refused early by `inspect` never costs its declared size.
  const expected = declared !== null && /^\d+$/.test(declared) ? Number(declared) : 0;
  let buffer = new Uint8Array(Math.min(Math.max(expected, 64 * 1024), 1024 * 1024));
  let total = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new HttpError(
          408,
          `the request body did not arrive within ${options.timeoutMs} ms ` +
            `(${total} bytes came): send it at once (LR_FINDER_BODY_TIMEOUT_MS)`,
          { headers: { connection: "close" } },
        ),
      );
    }, options.timeoutMs);
  });
  timeout.catch(() => {});
  try {
    while (true) {
      const { done, value } = await Promise.race([reader.read(), timeout]);
      if (done) break;
      if (total + value.byteLength > maxBytes) throw tooLarge(maxBytes, "is larger");
      options.inspect?.(value);
      if (total + value.byteLength > buffer.byteLength) {
        const grown = new Uint8Array(
          Math.min(maxBytes, Math.max(2 * buffer.byteLength, total + value.byteLength)),
        );
        grown.set(buffer.subarray(0, total));
        buffer = grown;
      }
      buffer.set(value, total);
      total += value.byteLength;
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, "the request body could not be read to the end", { cause: error });
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
  if (total === 0) throw new HttpError(400, "the request body is empty; expected JSON");
  return buffer.subarray(0, total);
}

/** The body as UTF-8 text; other bytes are a 400. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (error) {
    throw new HttpError(400, "the request body is not valid UTF-8 text", { cause: error });
  }
}

function tooLarge(maxBytes: number, what: string): HttpError {
  return new HttpError(
    413,
    `the request body ${what} than the limit of ${maxBytes} bytes: send fewer samples or a ` +
      "smaller CSV, or raise LR_FINDER_MAX_BODY_BYTES on the server",
  );
}

/**
 * Parses JSON text (counted first by `createJsonScanner` while it arrived). Malformed JSON is a
 * 400 naming the line and column; nesting deeper than {@linkcode MAX_JSON_DEPTH} or a
 * `__proto__` key is a 422 naming the place.
 */
export function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = parseJson(text, "request body");
  } catch (error) {
    if (isInputError(error)) throw new HttpError(400, error.message, { cause: error });
    throw error;
  }
  checkStructure(value);
  return value;
}

/** Walks the value without recursion: depth and forbidden keys. */
function checkStructure(root: unknown): void {
  const stack: { value: unknown; depth: number; path: string }[] = [
    { value: root, depth: 0, path: "" },
  ];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value !== "object" || value === null) continue;
    if (depth >= MAX_JSON_DEPTH) {
      const detail = `nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`;
      throw new HttpError(422, `${path || "the request body"} is ${detail}`, {
        errors: [fieldProblem(path, `is ${detail}`)],
      });
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        if (typeof item === "object" && item !== null) {
          stack.push({ value: item, depth: depth + 1, path: `${path}[${i}]` });
        }
      }
      continue;
    }
    for (const key of Object.keys(value)) {
      const at = path ? `${path}.${key}` : key;
      if (key === "__proto__") {
        throw new HttpError(422, `${at}: the key __proto__ is not allowed`, {
          errors: [fieldProblem(at, "the key __proto__ is not allowed")],
        });
      }
      const item = (value as Record<string, unknown>)[key];
      if (typeof item === "object" && item !== null) {
        stack.push({ value: item, depth: depth + 1, path: at });
      }
    }
  }
}
