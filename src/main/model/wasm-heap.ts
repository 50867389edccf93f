/**
 * The parts of tfjs-backend-wasm's backend that let engine code read and write tensor data where
 * it lives, on the backend's WebAssembly heap, instead of copying it out with dataSync (a fresh
 * array per call: over the MLP's 707k weights, megabytes of garbage a training step). Used by the
 * fused Adam update (adam.ts) and the data-parallel gradient exchange (training/replica-exchange.ts).
 */
import { tf, type Tensor } from './tf.js';

export interface WasmHeapBackend {
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  wasm: {
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    asm?: { memory?: WebAssembly.Memory };
  };
}

/** The wasm backend when it is the one in use, else null. */
export function wasmHeapBackend(): WasmHeapBackend | null {
  return tf.getBackend() === 'wasm' ? (tf.backend() as unknown as WasmHeapBackend) : null;
}

/** The float32 values of `t` as a view (wasm: on the heap, valid until the heap grows) or a copy. */
export function float32View(t: Tensor, wasm: WasmHeapBackend | null): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`float32View: tensor is ${t.dtype}`);
  return wasm ? wasm.typedArrayFromHeap(t) : (t.dataSync() as Float32Array);
}

/**
 * A new float32 tensor of `shape` whose values `fill` writes in place: on wasm straight into the
 * heap buffer the tensor will own (no copy), elsewhere into a fresh array the tensor takes.
 */
export function tensorFilledBy(
  shape: number[],
  wasm: WasmHeapBackend | null,
  fill: (out: Float32Array) => void,
): Tensor {
  if (!wasm) {
    const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
    fill(out);
    return tf.tensor(out, shape, 'float32');
  }
  // Allocate first: growing the heap would detach views taken before.
  const info = wasm.makeOutput(shape, 'float32');
  fill(wasm.typedArrayFromHeap(info));
  return tf.engine().makeTensorFromTensorInfo(info);
}
