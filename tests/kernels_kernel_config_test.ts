import assert from "node:assert/strict";
import type { TensorInfo } from "@tensorflow/tfjs";
import { kernelConfig } from "../src/kernels/kernel_config.ts";

function echo(args: { inputs: { x: TensorInfo } }): TensorInfo {
  return args.inputs.x;
}

Deno.test("kernelConfig registers a typed kernel function on wasm unless told otherwise", () => {
  const wasm = kernelConfig("Echo", echo);
  assert.equal(wasm.kernelName, "Echo");
  assert.equal(wasm.backendName, "wasm");
  assert.equal(wasm.kernelFunc, echo);
  assert.equal(kernelConfig("Echo", echo, "cpu").backendName, "cpu");
});
