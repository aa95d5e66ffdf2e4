/**
 * Reading a JSON request body safely: the size limit is enforced while the bytes arrive (a
 * declared `Content-Length` over it is refused before reading), then the text is parsed and
 * checked for nesting depth and `__proto__` keys before anything else looks at it.
 * @module
 */
import { parseJson } from "../src/data/read_file.ts";
import { isInputError } from "../src/errors.ts";
import { fieldProblem, HttpError } from "./problem.ts";

/** Deepest nesting of arrays and objects a request body may have. */
export const MAX_JSON_DEPTH = 64;

/**
 * Reads the body as UTF-8 text, at most `maxBytes` bytes: more is a 413 {@linkcode HttpError}
 * (the rest is not read). An empty body is a 400.
 */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    throw tooLarge(maxBytes, `declares ${declared} bytes`);
  }
  if (!request.body) throw new HttpError(400, "the request body is empty; expected JSON");
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw tooLarge(maxBytes, "is larger");
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, "the request body could not be read to the end", { cause: error });
  } finally {
    reader.releaseLock();
  }
  if (total === 0) throw new HttpError(400, "the request body is empty; expected JSON");
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
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
 * Parses JSON text. Malformed JSON is a 400 naming the line and column; nesting deeper than
 * {@linkcode MAX_JSON_DEPTH} or a `__proto__` key is a 422 naming the place.
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
