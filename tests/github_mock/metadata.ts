/**
 * Checking `action.yml` and workflow files with GitHub's own parser (npm
 * `@actions/workflow-parser`, the one behind the Actions language service) and its published
 * schemas for action metadata and workflows. The package's entry module imports its JSON
 * schemas without import attributes, which Deno refuses, so the schema is loaded here from the
 * package folder and handed to the parser's lower-level modules.
 * @module
 */
import {
  TemplateContext,
  TemplateValidationErrors,
} from "@actions/workflow-parser/templates/template-context";
import { readTemplate } from "@actions/workflow-parser/templates/template-reader";
import { JSONObjectReader } from "@actions/workflow-parser/templates/json-object-reader";
import { TemplateSchema } from "@actions/workflow-parser/templates/schema/index";
import { NoOperationTraceWriter } from "@actions/workflow-parser/templates/trace-writer";
import { YamlObjectReader } from "@actions/workflow-parser/workflows/yaml-object-reader";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Which schema to check against. */
export type MetadataKind = "action" | "workflow";

const SCHEMAS: Record<MetadataKind, { file: string; root: string }> = {
  action: { file: "action-v1.0.min.json", root: "action-root-strict" },
  workflow: { file: "workflow-v1.0.min.json", root: "workflow-root-strict" },
};

const loaded = new Map<MetadataKind, TemplateSchema>();

function schema(kind: MetadataKind): TemplateSchema {
  let found = loaded.get(kind);
  if (!found) {
    const entry = fileURLToPath(
      import.meta.resolve("@actions/workflow-parser/templates/trace-writer"),
    );
    const text = Deno.readTextFileSync(join(dirname(dirname(entry)), SCHEMAS[kind].file));
    found = TemplateSchema.load(new JSONObjectReader(undefined, text));
    loaded.set(kind, found);
  }
  return found;
}

/** The problems GitHub's parser finds in a file (empty when it is valid). */
export function metadataErrors(kind: MetadataKind, name: string, content: string): string[] {
  const context = new TemplateContext(
    new TemplateValidationErrors(),
    schema(kind),
    new NoOperationTraceWriter(),
  );
  const fileId = context.getFileId(name);
  const reader = new YamlObjectReader(fileId, content);
  if (reader.errors.length > 0) return reader.errors.map((e) => e.message);
  readTemplate(context, SCHEMAS[kind].root, reader, fileId);
  return context.errors.getErrors().map((e) => e.message);
}
