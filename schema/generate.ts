/**
 * Writes `schema/lr-finder.schema.json` from the zod config schema (`deno task schema`).
 * @module
 */
import { configJsonSchemaText } from "../src/config.ts";

const target = new URL("./lr-finder.schema.json", import.meta.url);
await Deno.writeTextFile(target, configJsonSchemaText());
console.log(`wrote ${target.pathname}`);
