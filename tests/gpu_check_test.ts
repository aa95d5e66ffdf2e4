import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  formatGpuCheck,
  gpuCheckExitCode,
  type GpuCheckReport,
  inspectAdapter,
} from "../src/gpu_check.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** A stand-in for `navigator.gpu` offering one adapter (or none, or failing). */
function fakeGpu(adapter: Partial<GPUAdapter> | null | Error): GPU {
  return {
    requestAdapter: () =>
      adapter instanceof Error ? Promise.reject(adapter) : Promise.resolve(adapter),
  } as unknown as GPU;
}

function fakeAdapter(description: string, isFallbackAdapter: boolean): Partial<GPUAdapter> {
  return {
    info: {
      description,
      vendor: "nvidia",
      architecture: "hopper",
      device: "",
      isFallbackAdapter,
    } as unknown as GPUAdapterInfo,
    limits: {
      maxBufferSize: 2 ** 34,
      maxComputeWorkgroupSizeX: 1024,
      maxTextureDimension1D: 8,
    } as unknown as GPUSupportedLimits,
    features: new Set(["timestamp-query", "shader-f16"]) as unknown as GPUSupportedFeatures,
  };
}

Deno.test("a real adapter is described with its limits and features, and no problem", async () => {
  const { adapter, problem } = await inspectAdapter(fakeGpu(fakeAdapter("NVIDIA H200", false)));
  assert.equal(problem, undefined);
  assert.deepEqual(adapter, {
    description: "NVIDIA H200",
    vendor: "nvidia",
    architecture: "hopper",
    device: "",
    isFallbackAdapter: false,
    limits: { maxBufferSize: 2 ** 34, maxComputeWorkgroupSizeX: 1024 },
    features: ["shader-f16", "timestamp-query"],
  });
});

Deno.test("a software adapter, no adapter or no WebGPU is a problem saying what to install", async () => {
  const software = await inspectAdapter(fakeGpu(fakeAdapter("llvmpipe (LLVM 15)", true)));
  assert.equal(software.adapter?.isFallbackAdapter, true);
  assert.match(software.problem!, /^the only WebGPU adapter is the software fallback "llvmpipe/);
  assert.match(software.problem!, /libvulkan1/);
  const none = await inspectAdapter(fakeGpu(null));
  assert.match(none.problem!, /^WebGPU found no adapter: install the GPU driver/);
  assert.match(none.problem!, /NVIDIA_DRIVER_CAPABILITIES/);
  const failing = await inspectAdapter(fakeGpu(new Error("vkCreateInstance failed")));
  assert.match(failing.problem!, /vkCreateInstance failed/);
  assert.match((await inspectAdapter(undefined)).problem!, /no WebGPU/);
});

Deno.test("the exit code is 0 only for a real GPU that ran the product", () => {
  const timing = { backend: "webgpu", firstMs: 120, msPerProduct: 0.05, gflops: 5000 };
  const wasm = { ...timing, backend: "wasm (OpenBLAS)", msPerProduct: 3, gflops: 90 };
  const good: GpuCheckReport = { size: 512, webgpu: timing, wasm, relativeError: 1e-6 };
  assert.equal(gpuCheckExitCode(good), 0);
  assert.match(formatGpuCheck(good), /webgpu \/ wasm time: 0\.02/);
  assert.match(formatGpuCheck(good), /\nok: sweeps with backend auto or webgpu will run/);
  assert.equal(gpuCheckExitCode({ size: 512, wasm }), 1, "no WebGPU timing");
  const bad = { ...good, problem: "WebGPU found no adapter: install it" };
  assert.equal(gpuCheckExitCode(bad), 1);
  assert.match(formatGpuCheck(bad), /\nnot usable: WebGPU found no adapter: install it\n$/);
});

Deno.test("deno task gpu-check exits 1 with a clear message on a machine without a GPU", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  const task = (config.tasks["gpu-check"] as string).split(/\s+/);
  assert.deepEqual(task.slice(0, 2), ["deno", "run"]);
  const output = await new Deno.Command(Deno.execPath(), {
    args: [...task.slice(1), "--size", "64"],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  const adapter = await inspectAdapter((navigator as { gpu?: GPU }).gpu);
  if (adapter.problem === undefined) {
    assert.equal(output.code, 0, text);
    return;
  }
  assert.equal(output.code, 1, text + new TextDecoder().decode(output.stderr));
  assert.match(text, /^adapter: /);
  assert.match(text, /wasm \(.*\): [\d.]+ ms per product/);
  assert.match(text, /\nnot usable: .*(software fallback|no adapter|no WebGPU)/);
});
