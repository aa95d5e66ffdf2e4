/**
 * The JSON Schema of `lr-finder.json` for editors, generated from the zod config schema, and the
 * script that writes it to `schema/lr-finder.schema.json` (`deno task schema`).
 * @module
 */
import { z } from "zod";
import { configSchema } from "../src/config.ts";

/** The JSON Schema (draft 2020-12) of `lr-finder.json`, describing the input as written. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: "input" }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: "LR Finder config (lr-finder.json)",
    ...schema,
  };
}

/** The committed text of `schema/lr-finder.schema.json`. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

if (import.meta.main) {
  const target = new URL("./lr-finder.schema.json", import.meta.url);
  await Deno.writeTextFile(target, configJsonSchemaText());
  console.log(`wrote ${target.pathname}`);
}
