import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { setKernelFlags } from "../src/kernels/flags.ts";
import { registerWasmKernels, wasmKernelsRegistered } from "../src/kernels/mod.ts";
import { assertMatchesCpu, compareWithCpu, KERNEL_PATHS } from "./kernels_compare.ts";

const CASES: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
  { a: [64, 784], b: [64, 128], ta: true, tb: false },
  { a: [64, 128], b: [784, 128], ta: false, tb: true },
  { a: [64, 78], b: [78, 13], ta: false, tb: false },
  { a: [37, 29], b: [11, 37], ta: true, tb: true },
  { a: [1, 50], b: [50, 7], ta: false, tb: false },
  { a: [50, 1], b: [3, 50], ta: true, tb: true },
  { a: [9, 1], b: [1, 9], ta: false, tb: false },
  { a: [3, 17, 9], b: [3, 9, 6], ta: false, tb: false },
  { a: [2, 3, 9, 17], b: [2, 3, 6, 9], ta: true, tb: true },
  { a: [4, 5, 8], b: [1, 8, 3], ta: false, tb: false },
  { a: [1, 5, 8], b: [4, 3, 8], ta: false, tb: true },
  { a: [6, 0], b: [0, 4], ta: false, tb: false },
];

const FORMS = [
  ...(["auto", "simd", "direct", "swapped"] as const).map((form) => ({
    form,
    ...KERNEL_PATHS[0],
  })),
  { form: "blas" as const, ...KERNEL_PATHS[1] },
];

for (const { form, kernels, needs } of FORMS) {
  Deno.test(needs({
    name: `BatchMatMul on wasm matches cpu (${kernels} kernels, form ${form})`,
    async fn() {
      registerWasmKernels();
      const previous = setKernelFlags({ productForm: form });
      try {
        for (const c of CASES) {
          const r = await compareWithCpu(([a, b]) => tf.matMul(a, b, c.ta, c.tb), [c.a, c.b], {
            cpuKernels: kernels,
          });
          const label = `${c.a} x ${c.b} ta=${c.ta} tb=${c.tb}`;
          assert.deepEqual(r.shape, r.cpuShape, label);
          assertMatchesCpu(r, label);
        }
      } finally {
        setKernelFlags(previous);
      }
    },
  }));
}

Deno.test("BatchMatMul on wasm matches cpu without the SIMD module (XNNPACK only)", async () => {
  registerWasmKernels();
  const previous = setKernelFlags({ simdKernels: false });
  try {
    for (const c of CASES.slice(0, 4)) {
      const r = await compareWithCpu(([a, b]) => tf.matMul(a, b, c.ta, c.tb), [c.a, c.b]);
      assertMatchesCpu(r, `${c.a} x ${c.b} ta=${c.ta} tb=${c.tb}`);
    }
  } finally {
    setKernelFlags(previous);
  }
});

for (const { kernels, needs } of KERNEL_PATHS) {
  Deno.test(needs({
    name:
      `BatchMatMul reuses weights correctly when the same right-hand side comes again (${kernels} kernels)`,
    async fn() {
      registerWasmKernels();
      assert.ok(wasmKernelsRegistered());
      for (let i = 0; i < 3; i++) {
        const r = await compareWithCpu(
          ([a, b]) =>
            tf.tidy(() => {
              const first = tf.matMul(a, b);
              const second = tf.matMul(tf.neg(a), b);
              const third = tf.matMul(a, b.reshape([b.shape[1]!, b.shape[0]!]), false, true);
              return tf.concat([first, second, third]);
            }),
          [[16, 24], [24, 24]],
          { cpuKernels: kernels },
        );
        assertMatchesCpu(r, `round ${i}`);
      }
    },
  }));
}

Deno.test("BatchMatMul rejects mismatched inner dimensions", async () => {
  registerWasmKernels();
  await tf.setBackend("wasm");
  const before = tf.memory().numTensors;
  const a = tf.ones([3, 4]);
  const b = tf.ones([5, 2]);
  assert.throws(() => tf.matMul(a, b), /inner shapes/);
  tf.dispose([a, b]);
  assert.equal(tf.memory().numTensors, before);
});
