/**
 * The one TensorFlow.js instance the engine uses. Every module imports `tf` from here, never
 * '@tensorflow/tfjs' directly, so layers, kernels and backends all register with the same
 * tfjs-core copy (a second copy would silently miss our custom layers and the wasm backend).
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
export type { Tensor, Rank, LayersModel } from '@tensorflow/tfjs';
