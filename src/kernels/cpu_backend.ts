/**
 * The parts of TensorFlow.js's cpu backend that the fused kernels use (structural, so no
 * private import is needed).
 * @module
 */
import type { DataType, TensorInfo } from "@tensorflow/tfjs";

/** The cpu backend, as the fused kernels see it. */
export interface CpuBackend {
  /** A tensor's values (a typed array for numeric tensors). */
  readSync(dataId: object): unknown;
  /** Registers new values as a tensor of the backend. */
  makeTensorInfo(shape: number[], dtype: DataType, values: Float32Array): TensorInfo;
}
