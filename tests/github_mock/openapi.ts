/**
 * GitHub's published OpenAPI description (npm `@octokit/openapi`,
 * `generated/api.github.com.json`), loaded once per process and indexed by method and path
 * template, with the checks the mock server applies to every request: the operation exists, the
 * query names declared parameters, and the JSON body has every required field with the right
 * types.
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A JSON Schema object as written in the description (OpenAPI 3.0 flavour). */
export interface Schema {
  /** `$ref` to another part of the document. */
  $ref?: string;
  /** JSON type. */
  type?: string;
  /** OpenAPI 3.0 nullability. */
  nullable?: boolean;
  /** Required property names. */
  required?: string[];
  /** Property schemas. */
  properties?: Record<string, Schema>;
  /** Item schema of an array. */
  items?: Schema;
  /** Allowed values. */
  enum?: unknown[];
  /** Alternatives. */
  oneOf?: Schema[];
  /** Alternatives. */
  anyOf?: Schema[];
  /** Conjunction. */
  allOf?: Schema[];
}

/** One operation of the description. */
export interface Operation {
  /** Upper-case HTTP method. */
  method: string;
  /** Path template such as `/repos/{owner}/{repo}/git/blobs`. */
  template: string;
  /** GitHub's operation id such as `git/create-blob`. */
  operationId: string;
  /** Names of the declared query parameters. */
  queryParams: Set<string>;
  /** Whether a request body is required. */
  bodyRequired: boolean;
  /** Schema of the JSON request body. */
  bodySchema?: Schema;
}

/** A request matched to an operation, with the path parameters (decoded). */
export interface OperationMatch {
  /** The operation. */
  operation: Operation;
  /** Path parameters by name. */
  params: Record<string, string>;
}

/** The indexed description. */
export interface OpenApiIndex {
  /** The parsed document (for `$ref` resolution). */
  document: Record<string, unknown>;
  /** Operations by method, in document order. */
  byMethod: Map<string, { operation: Operation; segments: string[] }[]>;
}

let cached: OpenApiIndex | undefined;

/** Path of `api.github.com.json` in the installed `@octokit/openapi` package. */
export function openApiPath(): string {
  // The package has no "exports"; resolve its entry module and step to the generated folder.
  const entry = fileURLToPath(import.meta.resolve("@octokit/openapi"));
  return join(dirname(entry), "generated", "api.github.com.json");
}

/** Loads and indexes the description (once per process). */
export function loadOpenApi(): OpenApiIndex {
  if (cached) return cached;
  const document = JSON.parse(Deno.readTextFileSync(openApiPath())) as Record<string, unknown>;
  const paths = document.paths as Record<string, Record<string, Record<string, unknown>>>;
  const byMethod: OpenApiIndex["byMethod"] = new Map();
  const index: OpenApiIndex = { document, byMethod };
  for (const [template, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      const params = ((op.parameters ?? []) as Record<string, unknown>[])
        .map((p) => resolveRef(index, p) as { name: string; in: string });
      const body = op.requestBody
        ? resolveRef(index, op.requestBody) as {
          required?: boolean;
          content?: Record<string, { schema?: Schema }>;
        }
        : undefined;
      const operation: Operation = {
        method: method.toUpperCase(),
        template,
        operationId: String(op.operationId),
        queryParams: new Set(params.filter((p) => p.in === "query").map((p) => p.name)),
        bodyRequired: body?.required === true,
        bodySchema: body?.content?.["application/json"]?.schema,
      };
      const list = byMethod.get(operation.method) ?? [];
      list.push({ operation, segments: template.split("/").slice(1) });
      byMethod.set(operation.method, list);
    }
  }
  cached = index;
  return index;
}

/** Follows a local `$ref` (`#/components/...`) until a plain object is reached. */
export function resolveRef<T>(index: OpenApiIndex, value: T): T {
  let node = value as unknown;
  for (let depth = 0; depth < 20; depth++) {
    const ref = (node as { $ref?: string } | null)?.$ref;
    if (typeof ref !== "string") return node as T;
    node = ref.slice(2).split("/").reduce<unknown>(
      (at, key) => (at as Record<string, unknown>)[key],
      index.document,
    );
  }
  throw new Error("$ref chain too deep");
}

/**
 * Finds the operation for a method and a raw (still percent-encoded) path. A template
 * parameter matches one segment; when nothing matches, the last parameter may span several
 * segments, as GitHub routes `contents/{path}` and `git/refs/{ref}`. Literal segments win over
 * parameters when two templates match.
 */
export function matchOperation(
  index: OpenApiIndex,
  method: string,
  rawPath: string,
): OperationMatch | undefined {
  const segments = rawPath.split("/").slice(1);
  const candidates = index.byMethod.get(method.toUpperCase()) ?? [];
  let best: { match: OperationMatch; literals: number } | undefined;
  for (const greedy of [false, true]) {
    for (const candidate of candidates) {
      const params = matchSegments(candidate.segments, segments, greedy);
      if (!params) continue;
      const literals = candidate.segments.filter((s) => !s.startsWith("{")).length;
      if (!best || literals > best.literals) {
        best = { match: { operation: candidate.operation, params }, literals };
      }
    }
    if (best) return best.match;
  }
  return undefined;
}

function matchSegments(
  template: string[],
  actual: string[],
  greedy: boolean,
): Record<string, string> | undefined {
  const lastParam = template.length > 0 && template[template.length - 1].startsWith("{");
  if (
    greedy ? !(lastParam && actual.length > template.length) : actual.length !== template.length
  ) {
    return undefined;
  }
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i];
    const last = greedy && i === template.length - 1;
    const value = last ? actual.slice(i).join("/") : actual[i];
    if (t.startsWith("{") && t.endsWith("}")) {
      if (value === "") return undefined;
      params[t.slice(1, -1)] = decodeURIComponent(value);
    } else if (t !== value) {
      return undefined;
    }
  }
  return params;
}

/** Problems of a query string against the operation's declared query parameters. */
export function queryIssues(operation: Operation, query: URLSearchParams): string[] {
  return [...new Set(query.keys())]
    .filter((name) => !operation.queryParams.has(name))
    .map((name) => `query parameter ${name} is not declared`);
}

/**
 * Problems of a JSON body against the operation's request schema: a missing required body,
 * missing required fields and wrong types (recursively through objects and arrays; `oneOf` and
 * `anyOf` pass when one alternative has no problem).
 */
export function bodyIssues(index: OpenApiIndex, operation: Operation, body: unknown): string[] {
  if (body === undefined) return operation.bodyRequired ? ["the request body is required"] : [];
  if (!operation.bodySchema) return [];
  return schemaIssues(index, operation.bodySchema, body, "body");
}

function schemaIssues(index: OpenApiIndex, raw: Schema, value: unknown, at: string): string[] {
  const schema = resolveRef(index, raw);
  if (value === null) return schema.nullable ? [] : schema.type ? [`${at} must not be null`] : [];
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) {
    const results = alternatives.map((alt) => schemaIssues(index, alt, value, at));
    if (results.some((r) => r.length === 0)) return [];
    return results.sort((a, b) => a.length - b.length)[0];
  }
  const issues: string[] = [];
  for (const part of schema.allOf ?? []) issues.push(...schemaIssues(index, part, value, at));
  if (schema.type && !hasType(value, schema.type)) {
    return [...issues, `${at} must be of type ${schema.type}, got ${JSON.stringify(value)}`];
  }
  if (schema.enum && !schema.enum.includes(value)) {
    issues.push(
      `${at} must be one of ${JSON.stringify(schema.enum)}, got ${JSON.stringify(value)}`,
    );
  }
  if (typeof value === "object" && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    for (const name of schema.required ?? []) {
      if (!(name in object)) issues.push(`${at} lacks required field ${name}`);
    }
    for (const [name, sub] of Object.entries(schema.properties ?? {})) {
      if (name in object) issues.push(...schemaIssues(index, sub, object[name], `${at}.${name}`));
    }
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) =>
      issues.push(...schemaIssues(index, schema.items!, item, `${at}[${i}]`))
    );
  }
  return issues;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "array":
      return Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    default:
      return true;
  }
}
