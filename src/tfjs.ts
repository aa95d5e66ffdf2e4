/**
 * The parts of TensorFlow.js that LR Finder uses, under the name `@tensorflow/tfjs` (the import
 * map in `deno.json` points that name here): the core (tensors, ops, optimizers, `tf.io`), the
 * Layers API (whose bundle also registers the gradients of every op) and the cpu backend, with
 * the chained ops (`x.add(y)`) as the `@tensorflow/tfjs` package registers them. That package
 * also bundles the graph-model converter, `tf.data` and the WebGL backend, which a sweep does
 * not use, and makes a first run download over 200 MB more. The wasm and WebGPU backends are
 * started by `setupBackend` (`backend.ts`).
 *
 * Library users get this module as `tf` from `mod.ts`, so that their models and the sweep share
 * one TensorFlow.js.
 * @module
 */
import { version_core } from "@tensorflow/tfjs-core";
import { version_layers } from "@tensorflow/tfjs-layers";
import { version_cpu } from "@tensorflow/tfjs-backend-cpu";
import { registerChainedOps } from "./tfjs_chained_ops.ts";

export * from "@tensorflow/tfjs-core";
export * from "@tensorflow/tfjs-layers";
export * from "@tensorflow/tfjs-backend-cpu";

registerChainedOps();

/** Versions of the TensorFlow.js packages behind this module, as `tf.version` reports them. */
export const version: Readonly<Record<string, string>> = {
  "tfjs-core": version_core,
  "tfjs-backend-cpu": version_cpu,
  "tfjs-layers": version_layers,
  tfjs: version_core,
};
