/**
 * A faster Slice kernel for tfjs-backend-wasm.
 *
 * The stock wasm Slice (4.22) first copies its whole input out of the wasm heap into a new
 * JS buffer (readSync) and then copies the slice from it, so every slice costs as much as
 * its input: cutting one time step out of an LSTM's [T, B, 4U] projection costs T steps.
 * This kernel copies only the sliced runs, straight from heap to heap. Same semantics; it
 * is installed once, when the wasm backend is selected, and leaves strings to the original.
 */
import { tf } from './tf.js';

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

let original: tf.KernelConfig | null = null;
let fast: tf.KernelConfig | null = null;

/** Install (or, with false, take back out: bench:train's before/after) the fast wasm Slice. */
export function installFastWasmSlice(on = true): void {
  original ??= tf.getKernel('Slice', 'wasm') ?? null;
  if (!original) return;
  const stock = original;
  fast ??= {
    kernelName: 'Slice',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs['x'] as tf.TensorInfo;
      if (x.dtype === 'string') return stock.kernelFunc(args);
      const attrs = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
      const backend = args.backend as unknown as WasmBackendLike;
      const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size) as [
        number[],
        number[],
      ];
      // Allocate first: growing the heap would detach views taken before.
      const out = backend.makeOutput(size, x.dtype);
      if (tf.util.sizeFromShape(size) === 0) return out;
      copySlice(backend.typedArrayFromHeap(x), x.shape, backend.typedArrayFromHeap(out), begin, size);
      return out;
    },
  };
  const want = on ? fast : stock;
  if (tf.getKernel('Slice', 'wasm')?.kernelFunc === want.kernelFunc) return;
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel(want);
}

/** Copy the box `begin`..`begin+size` of a row-major `shape` array into `dst`. */
export function copySlice(
  src: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> },
  shape: readonly number[],
  dst: { set(a: ArrayLike<number>, offset: number): void },
  begin: readonly number[],
  size: readonly number[],
): void {
  const rank = shape.length;
  if (rank === 0) {
    dst.set(src.subarray(0, 1), 0);
    return;
  }
  // Trailing axes taken whole merge into one contiguous run.
  let inner = rank - 1;
  let run = size[inner] ?? 1;
  while (inner > 0 && size[inner] === shape[inner] && begin[inner] === 0) {
    inner--;
    run *= size[inner]!;
  }
  const strides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  // Odometer over the outer axes [0, inner).
  const idx = new Array<number>(inner).fill(0);
  let base = 0;
  for (let i = 0; i <= inner; i++) base += begin[i]! * strides[i]!;
  const outer = size.slice(0, inner).reduce((a, b) => a * b, 1);
  for (let n = 0, o = 0; n < outer; n++, o += run) {
    let off = base;
    for (let i = 0; i < inner; i++) off += idx[i]! * strides[i]!;
    dst.set(src.subarray(off, off + run), o);
    for (let i = inner - 1; i >= 0; i--) {
      if (++idx[i]! < size[i]!) break;
      idx[i] = 0;
    }
  }
}
