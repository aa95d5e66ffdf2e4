/**
 * The docs quote what the commands print now (`docs/samples.ts`): every sample is run again and
 * compared with its block in the docs, timing figures aside. A sample that needs missing data
 * (Fashion-MNIST) is skipped with a message.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { normalizeTiming, ROOT, sampleBlocks, SAMPLES, withSamples } from "../docs/samples.ts";
import { FASHION_MNIST, requireResource } from "./resources.ts";

const fashionMnist = await requireResource(FASHION_MNIST);

Deno.test("every sample is quoted by the docs that list it, and only there", async () => {
  const docs = new Set(SAMPLES.flatMap((sample) => sample.docs));
  for (const doc of docs) {
    const ids = sampleBlocks(await Deno.readTextFile(join(ROOT, doc))).map((b) => b.id);
    const expected = SAMPLES.filter((s) => s.docs.includes(doc)).map((s) => s.id);
    assert.deepEqual(ids.sort(), expected.sort(), doc);
  }
});

Deno.test("withSamples fills a block and keeps the rest; timing figures are normalized", () => {
  const doc = "intro\n<!-- sample a -->\n\n```text\nold\n```\n\n<!-- /sample -->\nend\n";
  const filled = withSamples(doc, new Map([["a", "new line"]]));
  assert.equal(
    filled,
    "intro\n<!-- sample a -->\n\n```text\nnew line\n```\n\n<!-- /sample -->\nend\n",
  );
  assert.deepEqual(sampleBlocks(filled), [{ id: "a", text: "new line\n" }]);
  assert.equal(withSamples(doc, new Map()), doc);
  assert.equal(
    normalizeTiming("100 steps in 1.2 s (3.8 ms a step), 2m in all; lr 1.0e-3"),
    "100 steps in <time> (<time> a step), <time> in all; lr 1.0e-3",
  );
});

for (const sample of SAMPLES) {
  const needs = sample.needs === "fashion-mnist"
    ? fashionMnist.test
    : (test: Deno.TestDefinition) => test;
  Deno.test(needs({
    name: `the docs quote what \`${sample.id}\` prints now`,
    async fn() {
      const output = await sample.run();
      assert.ok(output.trim().length > 0, "the command printed something");
      for (const doc of sample.docs) {
        const block = sampleBlocks(await Deno.readTextFile(join(ROOT, doc)))
          .find((b) => b.id === sample.id);
        assert.ok(block, `${doc} quotes ${sample.id}`);
        assert.equal(
          normalizeTiming(block.text),
          normalizeTiming(output.endsWith("\n") ? output : `${output}\n`),
          `${doc}'s sample ${sample.id} differs from what its command prints now: run deno task docs`,
        );
      }
    },
  }));
}
