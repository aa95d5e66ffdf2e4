import assert from "node:assert/strict";
import {
  BLAS_PATH_VARIABLE,
  blasCandidates,
  memoryAddress,
  openBlasLibrary,
} from "../src/kernels/blas_library.ts";
import { blasTest } from "./kernels_compare.ts";

Deno.test("blasCandidates: the alternatives' libraries on Linux, Accelerate on macOS", () => {
  const linux = blasCandidates("linux").map((c) => c.file);
  assert.match(linux[0], /^\/usr\/lib\/[\w-]+-linux-gnu\/libblas\.so\.3$/);
  assert.match(linux[1], /libopenblas\.so\.0$/);
  assert.ok(linux.includes("libblas.so.3"), "the loader's own search as a last resort");
  const mac = blasCandidates("darwin");
  assert.equal(mac[0].file, "/System/Library/Frameworks/Accelerate.framework/Accelerate");
  assert.ok(mac.some((c) => c.file.endsWith("libopenblas.dylib")));
  assert.deepEqual(blasCandidates("windows").map((c) => c.file), ["libopenblas.dll"]);
});

Deno.test("blasCandidates: LR_FINDER_BLAS replaces the search", () => {
  assert.deepEqual(blasCandidates("linux", "/opt/blis/libblis.so"), [
    { file: "/opt/blis/libblis.so", source: BLAS_PATH_VARIABLE },
  ]);
  assert.ok(blasCandidates("linux", "").length > 1, "an empty variable is no choice");
});

Deno.test("openBlasLibrary names the file it could not open", () => {
  assert.throws(
    () => openBlasLibrary("/nonexistent/libblas.so.3"),
    /\/nonexistent\/libblas\.so\.3/,
  );
});

Deno.test(blasTest({
  name: "the machine's BLAS multiplies on a wasm memory in place and says what it is",
  fn() {
    const file = blasCandidates().map((c) => c.file).find((f) => {
      try {
        openBlasLibrary(f).close();
        return true;
      } catch {
        return false;
      }
    })!;
    const library = openBlasLibrary(file);
    try {
      assert.ok(library.name.length > 0);
      assert.ok(library.path.length > 0);
      const memory = new WebAssembly.Memory({ initial: 1 });
      const heap = new Float32Array(memory.buffer);
      // A (2x3, stored transposed as 3x2) and B (3x2): C = A @ B, then C += A @ B.
      heap.set([1, 4, 2, 5, 3, 6], 0);
      heap.set([1, 2, 3, 4, 5, 6], 16);
      const base = memoryAddress(memory);
      const call = {
        m: 2,
        n: 2,
        k: 3,
        a: base,
        lda: 2,
        transA: true,
        b: base + 64,
        ldb: 2,
        transB: false,
        c: base + 128,
        ldc: 2,
      };
      library.setThreads(1);
      library.sgemm(call);
      assert.deepEqual(Array.from(heap.subarray(32, 36)), [22, 28, 49, 64]);
      library.sgemm({ ...call, accumulate: true });
      assert.deepEqual(Array.from(heap.subarray(32, 36)), [44, 56, 98, 128]);
    } finally {
      library.close();
    }
  },
}));
