/**
 * `deno task gpu-check`: says whether this machine can run sweeps on a GPU. Prints the WebGPU
 * adapter Deno finds (vendor, architecture, whether it is a software fallback, its limits and
 * features), times a matrix product on WebGPU against the wasm backend, and exits 0 when the
 * adapter is a real GPU that computed the product correctly, 1 otherwise (with what to install).
 * `--json` prints the report as JSON instead; `--size N` sets the product's size (default 512).
 *
 * @example
 * ```sh
 * deno task gpu-check
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "./backend.ts";

/** The largest product timed on a software adapter. */
const SOFTWARE_SIZE = 128;

/** The adapter limits worth knowing for training, in this order. */
const LIMITS = [
  "maxBufferSize",
  "maxStorageBufferBindingSize",
  "maxStorageBuffersPerShaderStage",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxComputeWorkgroupSizeZ",
  "maxComputeWorkgroupsPerDimension",
] as const;

/** What the adapter says about itself. */
export interface AdapterReport {
  /** Human-readable name, e.g. "NVIDIA H200" or "llvmpipe (LLVM 15.0.6, 256 bits)". */
  description: string;
  /** Vendor as reported (a name or a PCI id). */
  vendor: string;
  /** Architecture as reported (may be empty). */
  architecture: string;
  /** Device as reported (may be empty). */
  device: string;
  /** True for software adapters such as llvmpipe. */
  isFallbackAdapter: boolean;
  /** The limits of {@linkcode LIMITS}. */
  limits: Record<string, number>;
  /** Optional features, sorted. */
  features: string[];
}

/** One backend's timing of the product. */
export interface ProductTiming {
  /** The backend, with the kernels it ran (wasm: native BLAS or wasm kernels). */
  backend: string;
  /** The first product, read back: shader compilation or kernel set-up included. */
  firstMs: number;
  /** Mean of the later products, queued together and read back once. */
  msPerProduct: number;
  /** `2 n^3` over `msPerProduct`. */
  gflops: number;
}

/** Everything `gpu-check` found. */
export interface GpuCheckReport {
  /** The adapter, when there is one. */
  adapter?: AdapterReport;
  /** Size `n` of the `n x n` by `n x n` product. */
  size: number;
  /** WebGPU's timing, when it ran. */
  webgpu?: ProductTiming;
  /** The wasm backend's timing. */
  wasm?: ProductTiming;
  /** Largest difference between the two products over the largest value. */
  relativeError?: number;
  /** Why the machine cannot train on a GPU; absent when it can. */
  problem?: string;
}

const SETUP_HINT = "install the GPU driver, the Vulkan loader (Debian and Ubuntu: " +
  "`sudo apt-get install libvulkan1`) and the vendor's Vulkan driver (NVIDIA: part of the " +
  "driver; check `/usr/share/vulkan/icd.d/nvidia_icd.json`); in a container, set " +
  "NVIDIA_DRIVER_CAPABILITIES to include graphics (e.g. compute,utility,graphics)";

/** Describes the adapter `gpu` offers for high performance, or why there is none. */
export async function inspectAdapter(
  gpu: GPU | undefined,
): Promise<{ adapter?: AdapterReport; problem?: string }> {
  if (gpu === undefined) {
    return { problem: "this Deno has no WebGPU (navigator.gpu is missing)" };
  }
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { problem: `WebGPU failed to look for an adapter (${message}): ${SETUP_HINT}` };
  }
  if (adapter === null) return { problem: `WebGPU found no adapter: ${SETUP_HINT}` };
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const limits: Record<string, number> = {};
  for (const name of LIMITS) {
    const value = (adapter.limits as unknown as Record<string, number | undefined>)[name];
    if (typeof value === "number") limits[name] = value;
  }
  const report: AdapterReport = {
    description: info.description || info.device || "unknown adapter",
    vendor: info.vendor ?? "",
    architecture: info.architecture ?? "",
    device: info.device ?? "",
    isFallbackAdapter: Boolean(
      info.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter,
    ),
    limits,
    features: [...adapter.features].map(String).sort(),
  };
  if (report.isFallbackAdapter) {
    return {
      adapter: report,
      problem: `the only WebGPU adapter is the software fallback "${report.description}", ` +
        `which runs on the CPU (sweeps would use wasm): ${SETUP_HINT}`,
    };
  }
  return { adapter: report };
}

function randomMatrix(n: number, seed: number): Float32Array {
  const values = new Float32Array(n * n);
  let state = seed;
  for (let i = 0; i < values.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 32 - 0.5;
  }
  return values;
}

async function timeProduct(
  backend: "webgpu" | "wasm",
  n: number,
  reps: number,
): Promise<{ timing: ProductTiming; values: Float32Array }> {
  const info = await setupBackend(backend);
  const a = tf.tensor2d(randomMatrix(n, 1), [n, n]);
  const b = tf.tensor2d(randomMatrix(n, 2), [n, n]);
  try {
    let start = performance.now();
    const first = tf.matMul(a, b);
    const values = await first.data() as Float32Array;
    first.dispose();
    const firstMs = performance.now() - start;
    start = performance.now();
    const products: tf.Tensor[] = [];
    for (let i = 0; i < reps; i++) products.push(tf.matMul(a, b));
    await products[products.length - 1].data();
    const msPerProduct = (performance.now() - start) / reps;
    tf.dispose(products);
    const kernels = info.cpuKernels;
    const label = kernels === undefined
      ? backend
      : `wasm (${kernels.kernels === "blas" ? kernels.library : "wasm kernels"})`;
    return {
      timing: {
        backend: label,
        firstMs,
        msPerProduct,
        gflops: 2 * n ** 3 / msPerProduct / 1e6,
      },
      values,
    };
  } finally {
    tf.dispose([a, b]);
  }
}

/** Options of {@linkcode checkGpu}. */
export interface CheckGpuOptions {
  /** The product's size `n` (default 512; at most 128 on a software adapter). */
  size?: number;
  /** Products timed after the first (default 10). */
  reps?: number;
}

/** Inspects the adapter and times the product on WebGPU (when there is an adapter) and wasm. */
export async function checkGpu(options: CheckGpuOptions = {}): Promise<GpuCheckReport> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  const { adapter, problem } = await inspectAdapter(gpu);
  // A software adapter takes seconds per product: a small one shows that it works at all.
  const software = adapter?.isFallbackAdapter === true;
  const size = Math.min(options.size ?? 512, software ? SOFTWARE_SIZE : Infinity);
  const reps = software ? 3 : options.reps ?? 10;
  const report: GpuCheckReport = { adapter, size, problem };
  const wasm = await timeProduct("wasm", size, reps);
  report.wasm = wasm.timing;
  if (adapter === undefined) return report;
  try {
    const webgpu = await timeProduct("webgpu", size, reps);
    report.webgpu = webgpu.timing;
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < wasm.values.length; i++) {
      diff = Math.max(diff, Math.abs(webgpu.values[i] - wasm.values[i]));
      scale = Math.max(scale, Math.abs(wasm.values[i]));
    }
    report.relativeError = scale === 0 ? diff : diff / scale;
    if (!(report.relativeError < 1e-3) && report.problem === undefined) {
      report.problem = `WebGPU computed a wrong product (relative error ${
        report.relativeError.toExponential(1)
      } against wasm): update the GPU driver`;
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    report.problem ??= `WebGPU failed to run a matrix product (${message}): ${SETUP_HINT}`;
  }
  return report;
}

/** 0 when the machine can train on a GPU, else 1. */
export function gpuCheckExitCode(report: GpuCheckReport): 0 | 1 {
  return report.problem === undefined && report.webgpu !== undefined ? 0 : 1;
}

function timingLine(t: ProductTiming | undefined): string {
  if (t === undefined) return "did not run";
  return `${t.msPerProduct.toFixed(2)} ms per product (${t.gflops.toFixed(1)} GFLOP/s); ` +
    `first product ${t.firstMs.toFixed(0)} ms`;
}

/** The report as text for a person. */
export function formatGpuCheck(report: GpuCheckReport): string {
  const lines: string[] = [];
  const a = report.adapter;
  if (a !== undefined) {
    lines.push(
      `adapter: ${a.description}`,
      `  vendor: ${a.vendor || "(not reported)"}`,
      `  architecture: ${a.architecture || "(not reported)"}`,
      `  device: ${a.device || "(not reported)"}`,
      `  fallback (software) adapter: ${a.isFallbackAdapter ? "yes" : "no"}`,
      "  limits:",
      ...Object.entries(a.limits).map(([name, value]) => `    ${name}: ${value}`),
      `  features: ${a.features.join(", ") || "(none)"}`,
    );
  } else {
    lines.push("adapter: none");
  }
  const n = report.size;
  lines.push(
    `matrix product ${n}x${n} by ${n}x${n}, float32:`,
    `  webgpu: ${timingLine(report.webgpu)}`,
    `  ${report.wasm?.backend ?? "wasm"}: ${timingLine(report.wasm)}`,
  );
  if (report.webgpu && report.wasm) {
    lines.push(
      `  webgpu / wasm time: ${
        (report.webgpu.msPerProduct / report.wasm.msPerProduct).toFixed(2)
      }` +
        `; results agree to ${(report.relativeError ?? NaN).toExponential(1)} relative`,
    );
  }
  lines.push(
    report.problem === undefined
      ? "ok: sweeps with backend auto or webgpu will run on this GPU"
      : `not usable: ${report.problem}`,
  );
  return lines.join("\n") + "\n";
}

function sizeArgument(args: readonly string[]): number {
  const at = args.indexOf("--size");
  if (at < 0) return 512;
  const n = Number(args[at + 1]);
  if (!Number.isInteger(n) || n < 1 || n > 8192) {
    console.error(`error: --size must be a whole number from 1 to 8192, got ${args[at + 1]}`);
    Deno.exit(2);
  }
  return n;
}

if (import.meta.main) {
  const report = await checkGpu({ size: sizeArgument(Deno.args) });
  const text = Deno.args.includes("--json")
    ? JSON.stringify(report, null, 2) + "\n"
    : formatGpuCheck(report);
  await Deno.stdout.write(new TextEncoder().encode(text));
  Deno.exit(gpuCheckExitCode(report));
}
