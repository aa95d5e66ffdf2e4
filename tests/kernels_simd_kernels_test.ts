import assert from "node:assert/strict";
import { assembleSimdKernels } from "../src/kernels/build_simd_kernels.ts";
import { decodeBase64 } from "../src/kernels/base64.ts";
import { SIMD_KERNELS_BASE64 } from "../src/kernels/simd_kernels_wasm.ts";

Deno.test("simd_kernels_wasm.ts holds the assembled simd_kernels.wat", async () => {
  const source = await Deno.readTextFile(
    new URL("../src/kernels/simd_kernels.wat", import.meta.url),
  );
  const bytes = await assembleSimdKernels(source);
  assert.deepEqual(
    decodeBase64(SIMD_KERNELS_BASE64),
    bytes,
    "run deno run --config deno.dev.json -A src/kernels/build_simd_kernels.ts",
  );
});

Deno.test("the SIMD module validates and exports its kernels", () => {
  const module = new WebAssembly.Module(decodeBase64(SIMD_KERNELS_BASE64));
  const names = WebAssembly.Module.exports(module).map((e) => e.name).sort();
  assert.deepEqual(names, ["adam", "add_rows", "column_sum", "gemm", "max_pool_grad", "patches"]);
  assert.deepEqual(WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`), [
    "env.memory",
  ]);
});
