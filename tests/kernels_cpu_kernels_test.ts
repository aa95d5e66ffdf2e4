import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../src/backend.ts";
import { isInputError } from "../src/errors.ts";
import { BLAS_PATH_VARIABLE, type SgemmCall } from "../src/kernels/blas_library.ts";
import {
  activeBlas,
  cpuKernelsInfo,
  usableBlasLibrary,
  useCpuKernels,
} from "../src/kernels/cpu_kernels.ts";
import { blasTest } from "./kernels_compare.ts";

const NOWHERE = [{ file: "/nonexistent/libblas.so.3", source: "a test" }];

Deno.test("cpuKernels wasm never loads native code", () => {
  const info = useCpuKernels("wasm");
  assert.deepEqual(info, { kernels: "wasm", requested: "wasm", threads: 1 });
  assert.equal(activeBlas(), undefined);
  assert.deepEqual(cpuKernelsInfo(), info);
});

Deno.test("cpuKernels auto without a library falls back to wasm and records why", () => {
  const info = useCpuKernels("auto", { candidates: NOWHERE });
  assert.equal(info.kernels, "wasm");
  assert.equal(info.requested, "auto");
  assert.match(info.fallback!, /no usable BLAS library \(\/nonexistent\/libblas\.so\.3: /);
  assert.equal(activeBlas(), undefined);
});

Deno.test("cpuKernels blas without a library is an input error saying how to install one", () => {
  const error = (() => {
    try {
      useCpuKernels("blas", { candidates: NOWHERE });
    } catch (e) {
      return e;
    }
  })();
  assert.ok(isInputError(error), String(error));
  const message = (error as Error).message;
  assert.match(message, /^cpuKernels "blas" needs a BLAS library with cblas_sgemm/);
  assert.match(message, /\/nonexistent\/libblas\.so\.3/);
  assert.match(message, /sudo apt-get install libopenblas0/);
  assert.match(message, new RegExp(BLAS_PATH_VARIABLE));
  assert.doesNotMatch(message, /\.$/);
});

Deno.test("a library named by LR_FINDER_BLAS that cannot be used is named in the error", () => {
  const candidates = [{ file: "/nonexistent/libmine.so", source: BLAS_PATH_VARIABLE }];
  assert.throws(
    () => useCpuKernels("blas", { candidates }),
    /the BLAS library that LR_FINDER_BLAS names.*libmine\.so.*fix the path or unset LR_FINDER_BLAS/,
  );
  assert.match(useCpuKernels("auto", { candidates }).fallback!, /^LR_FINDER_BLAS names no usable/);
});

Deno.test("usableBlasLibrary is undefined without a library and leaves the wasm kernels", () => {
  useCpuKernels("auto", { candidates: NOWHERE });
  assert.equal(usableBlasLibrary({ candidates: NOWHERE }), undefined);
  assert.deepEqual(cpuKernelsInfo(), { kernels: "wasm", requested: "wasm", threads: 1 });
});

Deno.test("an unknown request or thread count is an input error", () => {
  assert.throws(
    () => useCpuKernels("mkl" as "auto"),
    (e: Error) => isInputError(e) && /must be one of auto, blas, wasm, got "mkl"/.test(e.message),
  );
  for (const threads of [0, 1.5, -2]) {
    assert.throws(
      () => useCpuKernels("auto", { threads }),
      (e: Error) =>
        isInputError(e) && /threads must be a whole number of at least 1/.test(e.message),
    );
  }
});

Deno.test(blasTest({
  name: "cpuKernels blas and auto use the machine's library with the threads asked for",
  fn() {
    try {
      const info = useCpuKernels("blas", { threads: 3 });
      assert.equal(info.kernels, "blas");
      assert.ok(info.library && info.libraryPath, "the library is named");
      assert.equal(info.fallback, undefined);
      assert.equal(activeBlas()?.threads, 3);
      const auto = useCpuKernels("auto");
      assert.equal(auto.requested, "auto");
      if (auto.kernels === "blas") assert.equal(auto.threads, navigator.hardwareConcurrency);
      else assert.match(auto.fallback!, /slower than the wasm kernel/);
    } finally {
      useCpuKernels("wasm");
    }
  },
}));

Deno.test(blasTest({
  name: "usableBlasLibrary names the library cpuKernels blas uses, then leaves the wasm kernels",
  fn() {
    const name = usableBlasLibrary();
    assert.equal(cpuKernelsInfo().kernels, "wasm");
    try {
      assert.equal(name, useCpuKernels("blas").library);
    } finally {
      useCpuKernels("wasm");
    }
  },
}));

Deno.test(blasTest({
  name: "matrix products on the wasm backend go through the library when it is in use",
  async fn() {
    await setupBackend("wasm", { cpuKernels: "blas" });
    const library = activeBlas()!.library;
    const original = library.sgemm;
    const calls: SgemmCall[] = [];
    library.sgemm = (call) => {
      calls.push(call);
      original(call);
    };
    try {
      const a = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
      const b = tf.tensor2d([[1, 0], [0, 1], [1, 1]]);
      const c = tf.matMul(a, b);
      assert.deepEqual(await c.array(), [[4, 5], [10, 11]]);
      const t = tf.matMul(a, a, true, false);
      assert.deepEqual(await t.array(), [[17, 22, 27], [22, 29, 36], [27, 36, 45]]);
      assert.equal(calls.length, 2);
      assert.equal(calls[1].transA, true);
      tf.dispose([a, b, c, t]);
    } finally {
      library.sgemm = original;
      useCpuKernels("wasm");
    }
  },
}));

Deno.test("without --allow-ffi, auto falls back silently and blas names the missing flag", async () => {
  const module = new URL("../src/kernels/cpu_kernels.ts", import.meta.url).href;
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      script,
      `import { useCpuKernels } from ${JSON.stringify(module)};
const auto = useCpuKernels("auto");
let blas = "";
try { useCpuKernels("blas"); } catch (error) { blas = error.message; }
console.log(JSON.stringify({ auto, blas }));`,
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-env",
        "--config",
        fileURLToPath(new URL("../deno.json", import.meta.url)),
        script,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout);
    assert.ok(output.success, new TextDecoder().decode(output.stderr));
    const { auto, blas } = JSON.parse(text);
    assert.deepEqual(auto, {
      kernels: "wasm",
      requested: "auto",
      threads: 1,
      fallback: "Deno runs without --allow-ffi",
    });
    assert.match(blas, /^cpuKernels "blas" needs permission to load native code: .*--allow-ffi/);
  } finally {
    await Deno.remove(script);
  }
});
