import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { setupBackend } from "../src/backend.ts";
import { isInputError } from "../src/errors.ts";
import { type CpuKernelsRequest, useCpuKernels } from "../src/kernels/cpu_kernels.ts";
import { findLearningRate } from "../src/sweep.ts";
import { BLAS_AVAILABLE, blasTest } from "./kernels_compare.ts";
import { blobs, mlp } from "./helpers.ts";
import { requireResource, WEBGPU_ADAPTER } from "./resources.ts";

const gpu = await requireResource(WEBGPU_ADAPTER);
const adapter = gpu.value;
/** The adapter as test names say it: a software fallback (llvmpipe) is named as one. */
const onAdapter = adapter === undefined
  ? "a WebGPU adapter"
  : adapter.isFallbackAdapter
  ? `the software fallback adapter "${adapter.description}"`
  : `the GPU "${adapter.description}"`;
if (adapter?.isFallbackAdapter) {
  console.warn(
    `backend_test: the only WebGPU adapter is ${adapter.description}, a software fallback: ` +
      "the webgpu tests check results, not GPU speed, and auto does not pick it",
  );
}

/** Curves of different backends agree when |a - b| <= TOLERANCE * max(1, |b|) at every step. */
const TOLERANCE = 1e-4;

const data = blobs(256, 8, 3);

async function sweepOn(
  backend: "cpu" | "wasm" | "webgpu",
  cpuKernels?: CpuKernelsRequest,
): Promise<(number | null)[]> {
  const info = await setupBackend(backend, { cpuKernels });
  assert.equal(tf.getBackend(), backend);
  const model = mlp(8, 3, 16);
  const tensors = tf.memory().numTensors;
  const result = await findLearningRate(model, data, {
    loss: "categoricalCrossentropy",
    optimizer: { name: "adam" },
    numIters: 20,
    backend: info,
  });
  assert.equal(result.settings.backend, backend);
  assert.deepEqual(result.settings.cpuKernels, info.cpuKernels, "the CPU kernels are recorded");
  assert.equal(result.losses.length, 20);
  assert.equal(tf.memory().numTensors, tensors);
  model.dispose();
  return result.losses;
}

function assertClose(actual: (number | null)[], expected: (number | null)[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => {
    const b = expected[i]!;
    assert.ok(Math.abs(a! - b) <= TOLERANCE * Math.max(1, Math.abs(b)), `step ${i}: ${a} vs ${b}`);
  });
}

Deno.test("cpu and wasm sweeps give the same curve within tolerance", async () => {
  assertClose(await sweepOn("cpu"), await sweepOn("wasm", "wasm"));
});

Deno.test(blasTest({
  name: "wasm sweeps on the native BLAS library give the wasm kernels' curve",
  async fn() {
    try {
      assertClose(await sweepOn("wasm", "blas"), await sweepOn("wasm", "wasm"));
      assertClose(await cnnSweepOn("wasm", "blas"), await cnnSweepOn("wasm", "wasm"));
    } finally {
      useCpuKernels("wasm");
    }
  },
}));

Deno.test("setupBackend reports the CPU kernels on wasm only, and passes threads on", async () => {
  const wasm = await setupBackend("wasm", { cpuKernels: "wasm" });
  assert.deepEqual(wasm.cpuKernels, { kernels: "wasm", requested: "wasm", threads: 1 });
  const cpu = await setupBackend("cpu", { cpuKernels: "blas" });
  assert.equal(cpu.cpuKernels, undefined, "the cpu backend has no CPU kernel choice");
  if (BLAS_AVAILABLE) {
    try {
      const blas = await setupBackend("wasm", { cpuKernels: "blas", threads: 1 });
      assert.equal(blas.cpuKernels?.kernels, "blas");
      assert.equal(blas.cpuKernels?.threads, 1);
    } finally {
      useCpuKernels("wasm");
    }
  }
  await assert.rejects(
    setupBackend("wasm", { threads: 0 }),
    (error: Error) => isInputError(error) && /^threads must be/.test(error.message),
  );
});

Deno.test(gpu.test({
  name: `a webgpu sweep on ${onAdapter} matches the wasm curve within tolerance`,
  async fn() {
    const wasm = await sweepOn("wasm");
    const webgpu = await sweepOn("webgpu");
    assertClose(webgpu, wasm);
  },
}));

Deno.test(gpu.test({
  name: `webgpu results name the adapter and report the warm-up, on ${onAdapter}`,
  async fn() {
    const info = await setupBackend("webgpu");
    assert.equal(info.adapter?.description, adapter?.description);
    const model = mlp(8, 3, 8);
    const result = await findLearningRate(model, data, {
      loss: "categoricalCrossentropy",
      optimizer: { name: "sgd" },
      numIters: 10,
      backend: info,
    });
    assert.equal(result.settings.adapter, adapter?.description);
    assert.equal(result.settings.adapterFound?.description, adapter?.description);
    assert.ok((result.timing.warmupMs ?? 0) > 0);
    model.dispose();
  },
}));

Deno.test(gpu.test({
  name: "a sweep not on webgpu records the adapter found, never as the one it ran on",
  async fn() {
    const found = await setupBackend("webgpu");
    const info = await setupBackend("wasm");
    const model = mlp(8, 3, 8);
    const result = await findLearningRate(model, data, {
      loss: "categoricalCrossentropy",
      optimizer: { name: "sgd" },
      numIters: 10,
      backend: { ...info, adapter: found.adapter },
    });
    assert.equal(result.settings.backend, "wasm");
    assert.equal(result.settings.adapter, undefined);
    assert.deepEqual(result.settings.adapterFound, found.adapter);
    model.dispose();
  },
}));

Deno.test("auto uses webgpu only with a real GPU adapter, and says why", async () => {
  const info = await setupBackend("auto");
  if (adapter && !adapter.isFallbackAdapter) {
    assert.equal(info.name, "webgpu");
  } else {
    assert.equal(info.name, "wasm");
    assert.match(info.reason, adapter ? /only the software adapter/ : /no GPU adapter/);
  }
});

const realGpu = adapter !== undefined && !adapter.isFallbackAdapter;

Deno.test(`require-gpu ${realGpu ? "starts webgpu" : "fails clearly"} on ${onAdapter}`, async () => {
  if (realGpu) {
    const info = await setupBackend("auto", { requireGpu: true });
    assert.equal(info.name, "webgpu");
    assert.equal(info.adapter?.description, adapter.description);
    return;
  }
  await assert.rejects(setupBackend("auto", { requireGpu: true }), (error: Error) => {
    assert.ok(isInputError(error), "a mistake the user can fix");
    assert.match(error.message, /^a GPU is required but/);
    return true;
  });
});

Deno.test("an unknown backend name is an input error listing the choices", async () => {
  await assert.rejects(setupBackend("tpu" as "cpu"), (error: Error) => {
    assert.ok(isInputError(error));
    assert.equal(error.message, `backend must be one of auto, webgpu, wasm, cpu, got "tpu"`);
    return true;
  });
});

function smallCnn(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 4,
        kernelSize: 3,
        strides: 2,
        padding: "same",
        activation: "relu",
        kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
      }),
      tf.layers.conv2d({
        filters: 6,
        kernelSize: 3,
        activation: "relu",
        kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({
        units: 3,
        activation: "softmax",
        kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }),
      }),
    ],
  });
}

const images = blobs(128, 64, 3, 9);

async function cnnSweepOn(
  backend: "cpu" | "wasm" | "webgpu",
  cpuKernels?: CpuKernelsRequest,
): Promise<(number | null)[]> {
  const info = await setupBackend(backend, { cpuKernels });
  const model = smallCnn();
  const tensors = tf.memory().numTensors;
  const result = await findLearningRate(model, { ...images, xShape: [8, 8, 1] }, {
    loss: "categoricalCrossentropy",
    optimizer: { name: "adam" },
    numIters: 12,
    batchSize: 16,
    backend: info,
  });
  assert.equal(result.losses.length, 12);
  assert.equal(tf.memory().numTensors, tensors);
  model.dispose();
  return result.losses;
}

Deno.test("a small Conv2D model sweeps on cpu and wasm with the same curve", async () => {
  assertClose(await cnnSweepOn("wasm"), await cnnSweepOn("cpu"));
});

Deno.test(gpu.test({
  name: `a small Conv2D model sweeps on webgpu with the wasm curve, on ${onAdapter}`,
  async fn() {
    assertClose(await cnnSweepOn("webgpu"), await cnnSweepOn("wasm"));
  },
}));
