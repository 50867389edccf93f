/**
 * A zero-copy Identity kernel for tfjs-backend-wasm.
 *
 * The engine clones every tensor a custom op saves for its gradient (Engine.clone runs the
 * Identity kernel), and the stock wasm Identity (4.22) copies the data into a new heap buffer:
 * saving the recipe MLP's first weight matrix copied 2.3 MB at every step, 34 copies a step in
 * all. Like the cpu backend's Identity, this one shares the buffer and counts one more
 * reference (the wasm backend frees a buffer when its count reaches zero). That is safe because
 * no wasm kernel, and none of ours, writes into an input's buffer: FusedAdam writes new weights
 * into a fresh buffer (model/adam.ts).
 */
import { tf } from './tf.js';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

let original: tf.KernelConfig | null = null;
let shared: tf.KernelConfig | null = null;

/** Install (or, with false, take back out: bench:train's before/after) the sharing Identity. */
export function installSharedWasmIdentity(on = true): void {
  original ??= tf.getKernel('Identity', 'wasm') ?? null;
  if (!original) return;
  const stock = original;
  shared ??= {
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs['x'] as tf.TensorInfo;
      if (x.dtype === 'string') return stock.kernelFunc(args);
      (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
  const want = on ? shared : stock;
  if (tf.getKernel('Identity', 'wasm')?.kernelFunc === want.kernelFunc) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel(want);
}
