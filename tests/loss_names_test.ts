import assert from "node:assert/strict";
import { canonicalLossName, LOSS_NAMES } from "../src/loss_names.ts";

Deno.test("loss names are accepted in Layers, Keras and short spelling", () => {
  assert.equal(canonicalLossName("categoricalCrossentropy"), "categoricalCrossentropy");
  assert.equal(canonicalLossName("categorical_crossentropy"), "categoricalCrossentropy");
  assert.equal(
    canonicalLossName("sparse_categorical_crossentropy"),
    "sparseCategoricalCrossentropy",
  );
  assert.equal(canonicalLossName("mse"), "meanSquaredError");
  assert.equal(canonicalLossName("MAE"), "meanAbsoluteError");
  assert.equal(canonicalLossName("nope"), undefined);
});

Deno.test("Keras names of every loss and its long snake_case forms are accepted", () => {
  assert.equal(canonicalLossName("log_cosh"), "logcosh");
  assert.equal(canonicalLossName("kl_divergence"), "kullbackLeiblerDivergence");
  assert.equal(canonicalLossName("huber_loss"), "huberLoss");
  assert.equal(canonicalLossName("softmax"), undefined);
  for (const name of LOSS_NAMES) {
    const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    assert.equal(canonicalLossName(snake), name);
  }
});
