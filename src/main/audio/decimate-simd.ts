/**
 * The inner loop of integer decimation (resample.ts's `decimate`, folded symmetric FIR) as a
 * WebAssembly SIMD kernel, two float64 lanes wide, bit-identical to the JavaScript loop.
 *
 * Why: the speech check decimates every clip to 8 kHz before looking at it (a 145-tap filter,
 * ~2.3 M multiply-adds for a 4 s clip), which cost 3.7 ms of the ~19 ms a clip took to classify;
 * this kernel takes ~1 ms (measured 1.4 against 7.6 ms on a loaded core, 3.4x faster for 48k ->
 * 16k decoding too).
 *
 * Bit-identical because it performs the same IEEE operations in the same order: the JavaScript
 * loop keeps four partial sums (acc, a1, a2, a3) fed by taps j, j+1, j+2, j+3; here lane 0 and 1
 * of V are acc and a1, of W are a2 and a3, each lane doing exactly `s += (x[c-j] + x[c+j]) * h[j]`
 * in float64 (wasm has no fused multiply-add, and neither does V8's JavaScript), and the result
 * is acc + ((a1 + a2) + a3) rounded to float32, as `acc += a1 + a2 + a3; out[m] = acc` is.
 * tests/unit/audio-resample.test.ts compares the two on real audio.
 *
 * The module is assembled below from its instructions (388 bytes), so it needs no toolchain;
 * where WebAssembly SIMD is missing, `decimateSimd` returns false and the caller loops in JS.
 */

import {
  ADD,
  F64,
  GE_S,
  GT_S,
  HEADER,
  I32,
  MUL,
  SHL,
  SUB,
  V128,
  get,
  i32,
  memarg,
  section,
  set,
  simd,
  tee,
  uleb,
  vec,
} from '../util/wasm-encoding.js';

const LOAD64_ZERO = simd(0x5d, ...memarg(3)); // two f32 into the low half
const PROMOTE = simd(0x5f); // f64x2.promote_low_f32x4
const V128_LOAD = simd(0x00, ...memarg(3));
const F64X2_ADD = simd(0xf0);
const F64X2_MUL = simd(0xf2);
const ZERO = simd(0x0c, ...new Array<number>(16).fill(0));
const lane = (l: number) => simd(0x21, l); // f64x2.extract_lane
const REPLACE_LANE0 = simd(0x22, 0);

// Parameters: xBase (byte address of x[0]; x[c] at xBase + 4c), hOff, k, outOff, mStart, mEnd, down.
// Locals: m, xc (address of x[c]), j, V, W, T (v128), h0.
const XBASE = 0;
const HOFF = 1;
const K = 2;
const OUTOFF = 3;
const MSTART = 4;
const MEND = 5;
const DOWN = 6;
const M = 7;
const XC = 8;
const J = 9;
const V = 10;
const W = 11;
const T = 12;
const H0 = 13;

/** Both lanes of a pair of float32 loaded at `addr` widened to float64, low lane first. */
const pairAt = (addr: number[]) => [...addr, ...LOAD64_ZERO, ...PROMOTE];
/** The same, lanes swapped: for x[c-j-1], x[c-j] in memory order read as (x[c-j], x[c-j-1]). */
const pairSwapped = (addr: number[]) => [
  ...pairAt(addr),
  ...tee(T),
  ...get(T),
  ...simd(0x0d, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7), // i8x16.shuffle
];
/** acc += (x[c - j - d] + x[c + j + d]) * h[j + d] for lanes d = off, off + 1. */
const accumulate = (acc: number, off: number) => [
  ...get(acc),
  ...pairSwapped([...get(XC), ...get(J), ...i32(off + 1), ADD, ...i32(2), SHL, SUB]),
  ...pairAt([...get(XC), ...get(J), ...i32(off), ADD, ...i32(2), SHL, ADD]),
  ...F64X2_ADD,
  ...get(HOFF),
  ...get(J),
  ...i32(off),
  ADD,
  ...i32(3),
  SHL,
  ADD,
  ...V128_LOAD,
  ...F64X2_MUL,
  ...F64X2_ADD,
  ...set(acc),
];

const BODY = [
  ...[...get(HOFF), 0x2b, ...memarg(3), ...set(H0)], // h0 = h[0]
  ...[...get(MSTART), ...set(M)],
  ...[0x02, 0x40, 0x03, 0x40], // block, loop over outputs
  ...[...get(M), ...get(MEND), GE_S, 0x0d, 1], // m >= mEnd: done
  ...[...get(XBASE), ...get(M), ...get(DOWN), MUL, ...i32(2), SHL, ADD, ...set(XC)],
  // V = (h0 * x[c], 0), W = 0
  ...[...ZERO, ...get(H0), ...get(XC), 0x2a, ...memarg(2), 0xbb, 0xa2, ...REPLACE_LANE0, ...set(V)],
  ...[...ZERO, ...set(W), ...i32(1), ...set(J)],
  ...[0x02, 0x40, 0x03, 0x40], // block, loop over taps
  ...[...get(J), ...get(K), GT_S, 0x0d, 1], // j > k: done
  ...accumulate(V, 0),
  ...accumulate(W, 2),
  ...[...get(J), ...i32(4), ADD, ...set(J), 0x0c, 0, 0x0b, 0x0b],
  // out[m] = f32(V0 + ((V1 + W0) + W1))
  ...[...get(OUTOFF), ...get(M), ...i32(2), SHL, ADD],
  ...[...get(V), ...lane(0), ...get(V), ...lane(1), ...get(W), ...lane(0), 0xa0, ...get(W), ...lane(1), 0xa0],
  ...[0xa0, 0xb6, 0x38, ...memarg(2)],
  ...[...get(M), ...i32(1), ADD, ...set(M), 0x0c, 0, 0x0b, 0x0b, 0x0b],
];

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const func = [
    ...vec([
      [...uleb(3), I32],
      [...uleb(3), V128],
      [...uleb(1), F64],
    ]),
    ...BODY,
  ];
  const name = (s: string) => vec([...s].map((ch) => [ch.charCodeAt(0)]));
  return new Uint8Array([
    ...HEADER,
    ...section(1, vec([[0x60, ...vec(new Array<number[]>(7).fill([I32])), 0]])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, 1]])),
    ...section(
      7,
      vec([
        [...name('decimate'), 0x00, 0],
        [...name('memory'), 0x02, 0],
      ]),
    ),
    ...section(10, vec([[...uleb(func.length), ...func]])),
  ]);
}

interface Kernel {
  decimate: (...args: number[]) => void;
  memory: WebAssembly.Memory;
}

let kernel: Kernel | null | undefined;

function getKernel(): Kernel | null {
  if (kernel === undefined) {
    try {
      const { exports } = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()), {});
      kernel = exports as unknown as Kernel;
    } catch {
      kernel = null; // no WebAssembly SIMD here: the JavaScript loop does it
    }
  }
  return kernel;
}

/** Outputs per call: bounds the kernel's memory (~1 MB) whatever the clip's length. */
const BLOCK = 1 << 16;

/**
 * out[m] for m in [mStart, mEnd), every one an interior output (its taps x[c - k .. c + k] with
 * c = m * down inside x), as resample.ts's loop computes them; `h` is the folded kernel (h[0] the
 * centre tap, length 1 + a multiple of 4). False when WebAssembly SIMD is unavailable.
 */
export function decimateSimd(
  x: Float32Array,
  down: number,
  h: Float64Array,
  out: Float32Array,
  mStart: number,
  mEnd: number,
): boolean {
  const wasm = getKernel();
  const k = h.length - 1;
  if (!wasm || k % 4 !== 0) return false;
  for (let m0 = mStart; m0 < mEnd; m0 += BLOCK) {
    const m1 = Math.min(mEnd, m0 + BLOCK);
    const lo = m0 * down - k;
    const hi = (m1 - 1) * down + k + 1;
    // Layout: h (float64, 8-aligned) at 0, then the input span, then the outputs.
    const hOff = 0;
    const xOff = 8 * h.length;
    const outOff = xOff + 4 * (hi - lo);
    const need = outOff + 4 * (m1 - m0);
    const have = wasm.memory.buffer.byteLength;
    if (need > have) wasm.memory.grow(Math.ceil((need - have) / 65536));
    const buf = wasm.memory.buffer;
    new Float64Array(buf, hOff, h.length).set(h);
    new Float32Array(buf, xOff, hi - lo).set(x.subarray(lo, hi));
    // Addresses are i32 and wrap: xBase may be "negative", xBase + 4c never is.
    wasm.decimate((xOff - 4 * lo) | 0, hOff, k, (outOff - 4 * m0) | 0, m0, m1, down);
    out.set(new Float32Array(buf, outOff, m1 - m0), m0);
  }
  return true;
}
