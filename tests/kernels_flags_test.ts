import assert from "node:assert/strict";
import {
  DEFAULT_KERNEL_FLAGS,
  kernelFlag,
  kernelFlags,
  resetKernelFlags,
  setKernelFlags,
} from "../src/kernels/flags.ts";

Deno.test("kernel flags start at their defaults and setKernelFlags returns what it replaced", () => {
  resetKernelFlags();
  assert.deepEqual(kernelFlags(), DEFAULT_KERNEL_FLAGS);
  const previous = setKernelFlags({ simdKernels: false, productForm: "direct" });
  try {
    assert.deepEqual(previous, DEFAULT_KERNEL_FLAGS);
    assert.equal(kernelFlag("simdKernels"), false);
    assert.equal(kernelFlag("productForm"), "direct");
    assert.equal(kernelFlag("fusedUpdates"), true, "flags not named stay as they were");
  } finally {
    setKernelFlags(previous);
  }
  assert.deepEqual(kernelFlags(), DEFAULT_KERNEL_FLAGS);
});

Deno.test("kernelFlags is a copy and resetKernelFlags restores every default", () => {
  const copy = kernelFlags();
  copy.patchChunkFloats = 1;
  assert.equal(kernelFlag("patchChunkFloats"), DEFAULT_KERNEL_FLAGS.patchChunkFloats);
  setKernelFlags({ patchChunkFloats: 7, blasThreadMinMacs: 0, fusedUpdates: false });
  resetKernelFlags();
  assert.deepEqual(kernelFlags(), DEFAULT_KERNEL_FLAGS);
});

Deno.test("an unknown kernel flag is refused", () => {
  assert.throws(
    () => setKernelFlags({ simdKernel: false } as unknown as Parameters<typeof setKernelFlags>[0]),
    /unknown kernel flag simdKernel/,
  );
  assert.deepEqual(kernelFlags(), DEFAULT_KERNEL_FLAGS);
});
