import assert from "node:assert/strict";
import { checkBlasLibrary } from "../src/kernels/blas_check.ts";
import type { BlasLibrary, SgemmCall } from "../src/kernels/blas_library.ts";

/** A stand-in library computing in TypeScript through the addresses it is given. */
function fakeLibrary(compute: (call: SgemmCall, sum: number) => number): BlasLibrary {
  const view = (address: number, floats: number) =>
    new Float32Array(
      Deno.UnsafePointerView.getArrayBuffer(
        Deno.UnsafePointer.create(BigInt(address))!,
        floats * 4,
      ),
    );
  return {
    name: "fake BLAS",
    path: "/fake",
    threadControl: false,
    setThreads() {},
    close() {},
    sgemm(call) {
      const a = view(call.a, call.m * call.k);
      const b = view(call.b, call.k * call.n);
      const c = view(call.c, call.m * call.n);
      for (let i = 0; i < call.m; i++) {
        for (let j = 0; j < call.n; j++) {
          let sum = call.accumulate ? c[i * call.ldc + j] : 0;
          for (let p = 0; p < call.k; p++) {
            const av = call.transA ? a[p * call.lda + i] : a[i * call.lda + p];
            const bv = call.transB ? b[j * call.ldb + p] : b[p * call.ldb + j];
            sum += av * bv;
          }
          c[i * call.ldc + j] = compute(call, sum);
        }
      }
    },
  };
}

Deno.test("the startup check refuses a library whose products are wrong", () => {
  const wrongWhenTransposed = fakeLibrary((call, sum) => call.transB ? sum + 1 : sum);
  assert.match(
    checkBlasLibrary(wrongWhenTransposed).wrong!,
    /transA=false transB=true accumulate=false\) was off by/,
  );
});

Deno.test("the startup check says when a correct library is slower than the wasm kernel", () => {
  // A triple loop in TypeScript is far slower than the SIMD product.
  const check = checkBlasLibrary(fakeLibrary((_, sum) => sum));
  assert.equal(check.wrong, undefined);
  assert.match(check.slower!, /^fake BLAS ran a 64x512x128 product at [\d.]+ GFLOP\/s on one/);
});
