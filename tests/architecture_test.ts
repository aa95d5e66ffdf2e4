/**
 * The import graph follows the layers of docs/architecture.md: every import points to the same
 * layer or one below, `src/` never reaches the adapters (`action/`, `functions/`) or GitHub's
 * packages, the adapters sweep through `sweepModel`, and `src/` has no import cycle.
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "./helpers.ts";

/** The layers, lowest first; a module's layer is the first whose pattern matches its path. */
const LAYERS: { name: string; modules: RegExp }[] = [
  {
    name: "vocabulary",
    modules:
      /^src\/(tfjs|tfjs_chained_ops|errors|vocabulary|loss_names|optimizer_spec|result|random|smoothing|schedule|defaults|validation|run_spread)\.ts$/,
  },
  { name: "data and schemas", modules: /^src\/(data\/.*|settings_schema)\.ts$/ },
  {
    name: "engine",
    modules:
      /^src\/(kernels\/.*|backend|targets|losses|optimizers|batches|suggest|model_io|sweep|sweep_options|sweep_plan|sweep_loop|aggregate|sweep_model|training|event_loop|drawn_curve|verify|warnings|conclusion)\.ts$/,
  },
  { name: "composition", modules: /^src\/(config|run|report\/.*)\.ts$/ },
  { name: "surfaces", modules: /^src\/(cli|demo|mod|gpu_check|cli\/.*)\.ts$/ },
  { name: "adapters", modules: /^(action|functions)\/.*\.ts$/ },
];

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(join(ROOT, dir))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) out.push(...await sourceFiles(path));
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** Relative imports of a file (static, type-only, re-exports and dynamic), as repository paths. */
async function importsOf(file: string): Promise<string[]> {
  const text = await Deno.readTextFile(join(ROOT, file));
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gms),
    ...text.matchAll(/^\s*import\s+"([^"]+)"/gm),
    ...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g),
  ].map((match) => match[1]);
  return specifiers.filter((s) => s.startsWith(".")).map((s) =>
    relative(ROOT, resolve(ROOT, dirname(file), s))
  );
}

function layerOf(path: string): number {
  const index = LAYERS.findIndex((layer) => layer.modules.test(path));
  assert.ok(index >= 0, `${path} belongs to no layer: add it to LAYERS and docs/architecture.md`);
  return index;
}

const files = [
  ...await sourceFiles("src"),
  ...await sourceFiles("action"),
  ...await sourceFiles("functions"),
];
const graph = new Map<string, string[]>();
for (const file of files) {
  graph.set(file, (await importsOf(file)).filter((target) => target.endsWith(".ts")));
}

Deno.test("every module belongs to a layer", () => {
  for (const file of files) layerOf(file);
});

Deno.test("no import runs back up the layers", () => {
  const upward: string[] = [];
  for (const [file, targets] of graph) {
    for (const target of targets) {
      if (layerOf(target) > layerOf(file)) {
        upward.push(
          `${file} (${LAYERS[layerOf(file)].name}) -> ${target} (${LAYERS[layerOf(target)].name})`,
        );
      }
    }
  }
  assert.deepEqual(upward, []);
});

Deno.test("src/ knows nothing of GitHub or HTTP", async () => {
  for (const file of files.filter((f) => f.startsWith("src/"))) {
    const text = await Deno.readTextFile(join(ROOT, file));
    assert.doesNotMatch(text, /from\s+"@actions\/|from\s+"@octokit\//, file);
    for (const target of graph.get(file)!) {
      assert.ok(target.startsWith("src/"), `${file} imports ${target}`);
    }
  }
});

Deno.test("the adapters sweep through the core entry, never findLearningRate", async () => {
  for (const file of files.filter((f) => !f.startsWith("src/"))) {
    const text = await Deno.readTextFile(join(ROOT, file));
    assert.doesNotMatch(
      text,
      /import\s*(?:type\s*)?\{[^}]*\bfindLearningRate\b[^}]*\}\s*from/,
      `${file}: call sweepModel (src/sweep_model.ts) instead`,
    );
  }
});

Deno.test("src/ has no import cycle", () => {
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
      return;
    }
    state.set(file, "open");
    for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (file.startsWith("src/")) visit(file, []);
  assert.deepEqual(cycles, []);
});
