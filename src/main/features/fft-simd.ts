/**
 * WebAssembly SIMD kernels of the feature spectral pass, two float64 lanes wide, each
 * bit-identical to the JavaScript loop it replaces (every lane does the same IEEE float64
 * operations in the same order; wasm has no fused multiply-add, and neither does V8's JavaScript):
 * - `stages`: RealFft's radix-2^2 stages (fft.ts); lanes are the butterflies j and j + 1 of a
 *   group, so the split re/im arrays load as they lie in memory;
 * - `untangle`: RealFft's power and magnitude of bins k and k + 1;
 * - `chroma12`: the 12-row chroma filterbank product (chroma.ts), lanes two rows;
 * - `banded`: the mel filterbank product (mel.ts), lanes two neighbouring rows.
 *
 * Why: after the speech check, the feature FFT (2048 points, 126 frames a 4 s clip) and the
 * chroma product were the largest parts of the per-clip CPU (docs/BENCHMARKS.md, Inference):
 * a 2048-point frame 24.5 -> 13.3 us, the chroma product 16.8 -> 2.5 us a frame.
 *
 * Assembled below from its instructions, like audio/decimate-simd.ts, so it needs no toolchain;
 * without WebAssembly SIMD the module does not compile and the JavaScript loops run. Each user
 * (a RealFft, a chroma bank) instantiates the module with a small memory of its own, sized once
 * and never grown, so the typed-array views kept on it stay valid.
 */

import {
  ADD,
  GE_S,
  GT_S,
  HEADER,
  I32,
  SHL,
  SUB,
  V128,
  get,
  i32,
  section,
  set,
  simd,
  uleb,
  vec,
} from '../util/wasm-encoding.js';

const LOAD = simd(0x00, 3, 0);
const STORE = simd(0x0b, 3, 0);
const FADD = simd(0xf0);
const FSUB = simd(0xf1);
const FMUL = simd(0xf2);
const FNEG = simd(0xed);
const FSQRT = simd(0xef);
const SWAP = simd(0x0d, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7); // i8x16.shuffle

// Parameters: m (complex points), l0 (first sub-FFT size, even), tw (byte address of the
// twiddles: per stage, per pair of j, the vectors w4re, w4im, w2re, w2im). re at byte 0,
// im at byte 8m.
const P_M = 0;
const P_L = 1;
const P_TW = 2;
// i32 locals
const G = 3;
const J = 4;
const TP = 5;
const A0 = 6;
const A1 = 7;
const A2 = 8;
const A3 = 9;
const IMD = 10;
const LB = 11; // L in bytes
// v128 locals
const AR = 12;
const AI = 13;
const BR = 14;
const BI = 15;
const CR = 16;
const CI = 17;
const DR = 18;
const DI = 19;
const W4R = 20;
const W4I = 21;
const W2R = 22;
const W2I = 23;
const T1 = 24;
const T2 = 25;
const T3 = 26;
const T4 = 27;

const vget = get;
const load = (addr: number[], to: number) => [...addr, ...LOAD, ...set(to)];
const reAt = (a: number) => get(a);
const imAt = (a: number) => [...get(a), ...get(IMD), ADD];
const twAt = (k: number) => [...get(TP), ...i32(16 * k), ADD];
/** x * y  op  u * v, as JavaScript's `x * y - u * v` evaluates it. */
const mulMul = (x: number, y: number, u: number, v: number, op: number[]) => [
  ...vget(x),
  ...vget(y),
  ...FMUL,
  ...vget(u),
  ...vget(v),
  ...FMUL,
  ...op,
];
const store = (addr: number[], value: number[]) => [...addr, ...value, ...STORE];
const bin = (x: number, y: number, op: number[]) => [...vget(x), ...vget(y), ...op];

const BUTTERFLY = [
  // Addresses of the four inputs (bytes): a0 = 8(g + j), a1 = a0 + 8L, ...
  ...[...get(G), ...get(J), ADD, ...i32(3), SHL, ...set(A0)],
  ...[...get(A0), ...get(LB), ADD, ...set(A1)],
  ...[...get(A1), ...get(LB), ADD, ...set(A2)],
  ...[...get(A2), ...get(LB), ADD, ...set(A3)],
  ...load(reAt(A0), AR),
  ...load(imAt(A0), AI),
  ...load(reAt(A1), BR),
  ...load(imAt(A1), BI),
  ...load(reAt(A2), CR),
  ...load(imAt(A2), CI),
  ...load(reAt(A3), DR),
  ...load(imAt(A3), DI),
  ...load(twAt(0), W4R),
  ...load(twAt(1), W4I),
  ...load(twAt(2), W2R),
  ...load(twAt(3), W2I),
  // b and d times W_2L^j: t = b.re w2r - b.im w2i; b.im = b.re w2i + b.im w2r; b.re = t.
  ...mulMul(BR, W2R, BI, W2I, FSUB),
  ...set(T1),
  ...mulMul(BR, W2I, BI, W2R, FADD),
  ...set(BI),
  ...[...get(T1), ...set(BR)],
  ...mulMul(DR, W2R, DI, W2I, FSUB),
  ...set(T1),
  ...mulMul(DR, W2I, DI, W2R, FADD),
  ...set(DI),
  ...[...get(T1), ...set(DR)],
  // a1 = a + b (into T1/T2), b1 = a - b (into BR/BI); c1 = c + d (CR/CI), d1 = c - d (DR/DI).
  ...bin(AR, BR, FADD),
  ...set(T1),
  ...bin(AI, BI, FADD),
  ...set(T2),
  ...bin(AR, BR, FSUB),
  ...set(BR),
  ...bin(AI, BI, FSUB),
  ...set(BI),
  ...bin(CR, DR, FADD),
  ...set(T3),
  ...bin(CI, DI, FADD),
  ...set(T4),
  ...bin(CR, DR, FSUB),
  ...set(DR),
  ...bin(CI, DI, FSUB),
  ...set(DI),
  // c2 = c1 W_4L^j (CR/CI), e2 = d1 W_4L^j (AR/AI).
  ...mulMul(T3, W4R, T4, W4I, FSUB),
  ...set(CR),
  ...mulMul(T3, W4I, T4, W4R, FADD),
  ...set(CI),
  ...mulMul(DR, W4R, DI, W4I, FSUB),
  ...set(AR),
  ...mulMul(DR, W4I, DI, W4R, FADD),
  ...set(AI),
  ...store(reAt(A0), bin(T1, CR, FADD)),
  ...store(imAt(A0), bin(T2, CI, FADD)),
  ...store(reAt(A2), bin(T1, CR, FSUB)),
  ...store(imAt(A2), bin(T2, CI, FSUB)),
  ...store(reAt(A1), bin(BR, AI, FADD)),
  ...store(imAt(A1), bin(BI, AR, FSUB)),
  ...store(reAt(A3), bin(BR, AI, FSUB)),
  ...store(imAt(A3), bin(BI, AR, FADD)),
];

const BODY = [
  ...[...get(P_M), ...i32(3), SHL, ...set(IMD)],
  ...[0x02, 0x40, 0x03, 0x40], // block, loop over stages
  ...[...get(P_L), ...i32(2), SHL, ...get(P_M), GT_S, 0x0d, 1], // 4L > m: done
  ...[...get(P_L), ...i32(3), SHL, ...set(LB)],
  ...[...i32(0), ...set(G)],
  ...[0x02, 0x40, 0x03, 0x40], // block, loop over groups
  ...[...get(G), ...get(P_M), GE_S, 0x0d, 1],
  ...[...i32(0), ...set(J), ...get(P_TW), ...set(TP)],
  ...[0x02, 0x40, 0x03, 0x40], // block, loop over pairs of j
  ...[...get(J), ...get(P_L), GE_S, 0x0d, 1],
  ...BUTTERFLY,
  ...[...get(J), ...i32(2), ADD, ...set(J)],
  ...[...get(TP), ...i32(64), ADD, ...set(TP)],
  ...[0x0c, 0, 0x0b, 0x0b],
  ...[...get(G), ...get(P_L), ...i32(2), SHL, ADD, ...set(G)],
  ...[0x0c, 0, 0x0b, 0x0b],
  // Next stage: its twiddles follow (L / 2 pairs of 64 bytes), L *= 4.
  ...[...get(P_TW), ...get(P_L), ...i32(5), SHL, ADD, ...set(P_TW)],
  ...[...get(P_L), ...i32(2), SHL, ...set(P_L)],
  ...[0x0c, 0, 0x0b, 0x0b, 0x0b],
];

// The untangling of RealFft.untangle for bins k, k + 1 (k odd, 1 <= k < m - 2): parameters m,
// wRe, wIm, power, magnitude (byte addresses; magnitude 0: none), realOnly (RealFft.realPart's
// Re X[k] into power instead). re at 0, im at 8m as above.
const U_M = 0;
const U_WRE = 1;
const U_WIM = 2;
const U_POW = 3;
const U_MAG = 4;
const U_REAL = 5; // non-zero: store Re X[k] into power instead (RealFft.realPart)
const UK = 6;
const UAK = 7;
const UAR = 8;
const UIMD = 9;
const ZR = 10;
const ZI = 11;
const UCR = 12;
const UCI = 13;
const ER = 14;
const EI = 15;
const OR = 16;
const OI = 17;
const WR = 18;
const WI = 19;
const XR = 20;
const XI = 21;
const UP = 22;
const HALF = 23;
const UT = 24;

/** The pair at byte address `addr` with its lanes swapped: (x[m-k], x[m-k-1]) for k, k + 1. */
const swapped = (addr: number[]) => [...addr, ...LOAD, ...set(UT), ...get(UT), ...get(UT), ...SWAP];
const UNTANGLE = [
  ...[...get(U_M), ...i32(3), SHL, ...set(UIMD)],
  // HALF = (0.5, 0.5)
  ...[0x44, ...new Uint8Array(new Float64Array([0.5]).buffer), ...simd(0x14), ...set(HALF)],
  ...[...i32(1), ...set(UK)],
  ...[0x02, 0x40, 0x03, 0x40],
  ...[...get(UK), ...i32(1), ADD, ...get(U_M), GE_S, 0x0d, 1], // k + 1 >= m: done
  ...[...get(UK), ...i32(3), SHL, ...set(UAK)],
  ...[...get(U_M), ...get(UK), SUB, ...i32(1), SUB, ...i32(3), SHL, ...set(UAR)],
  ...load(get(UAK), ZR),
  ...load([...get(UAK), ...get(UIMD), ADD], ZI),
  ...swapped(get(UAR)),
  ...set(UCR),
  ...swapped([...get(UAR), ...get(UIMD), ADD]),
  ...FNEG,
  ...set(UCI),
  ...[...get(HALF), ...bin(ZR, UCR, FADD), ...FMUL, ...set(ER)],
  ...[...get(HALF), ...bin(ZI, UCI, FADD), ...FMUL, ...set(EI)],
  ...[...get(HALF), ...bin(ZR, UCR, FSUB), ...FMUL, ...set(OR)],
  ...[...get(HALF), ...bin(ZI, UCI, FSUB), ...FMUL, ...set(OI)],
  ...load([...get(U_WRE), ...get(UAK), ADD], WR),
  ...load([...get(U_WIM), ...get(UAK), ADD], WI),
  // pr = or wr - oi wi (into XI's slot via the stack), pi = or wi + oi wr; xr = er + pi, xi = ei - pr.
  ...get(ER),
  ...mulMul(OR, WI, OI, WR, FADD),
  ...FADD,
  ...set(XR),
  ...[...get(U_REAL), 0x04, 0x40], // if realOnly: out[k] = xr
  ...store([...get(U_POW), ...get(UAK), ADD], get(XR)),
  0x05, // else: power and magnitude
  ...get(EI),
  ...mulMul(OR, WR, OI, WI, FSUB),
  ...FSUB,
  ...set(XI),
  ...mulMul(XR, XR, XI, XI, FADD),
  ...set(UP),
  ...store([...get(U_POW), ...get(UAK), ADD], get(UP)),
  // if (magnitude) store sqrt(p)
  ...[...get(U_MAG), 0x04, 0x40],
  ...store([...get(U_MAG), ...get(UAK), ADD], [...get(UP), ...FSQRT]),
  0x0b,
  0x0b, // end if realOnly
  ...[...get(UK), ...i32(2), ADD, ...set(UK)],
  ...[0x0c, 0, 0x0b, 0x0b, 0x0b], // next pair; end loop, block, function
];

// A 12-row filterbank product, out[r] = sum over k of w[k][r] x[k], columns in ascending order:
// parameters w (byte address, column-major [bins][12] float64), x (bins float64), out (12
// float64), bins. Six accumulators, lanes rows 2i and 2i + 1, each lane adding its products in
// the order the CSR loop does; the zeros of the dense matrix add +0 (x is a finite power
// spectrum, >= 0), which leaves a sum unchanged, so the result is bit-identical.
const C_W = 0;
const C_X = 1;
const C_OUT = 2;
const C_BINS = 3;
const CK = 4;
const CWP = 5;
const CXK = 6;
const CACC = 7; // 7..12
const CHROMA = [
  ...[0, 1, 2, 3, 4, 5].flatMap((i) => [...simd(0x0c, ...new Array<number>(16).fill(0)), ...set(CACC + i)]),
  ...[...i32(0), ...set(CK), ...get(C_W), ...set(CWP)],
  ...[0x02, 0x40, 0x03, 0x40],
  ...[...get(CK), ...get(C_BINS), GE_S, 0x0d, 1],
  // xk = splat(x[k])
  ...[...get(C_X), ...get(CK), ...i32(3), SHL, ADD, 0x2b, 3, 0, ...simd(0x14), ...set(CXK)],
  ...[0, 1, 2, 3, 4, 5].flatMap((i) => [
    ...get(CACC + i),
    ...get(CWP),
    ...simd(0x00, 3, 16 * i), // v128.load offset 16i
    ...get(CXK),
    ...FMUL,
    ...FADD,
    ...set(CACC + i),
  ]),
  ...[...get(CK), ...i32(1), ADD, ...set(CK)],
  ...[...get(CWP), ...i32(96), ADD, ...set(CWP)],
  ...[0x0c, 0, 0x0b, 0x0b],
  ...[0, 1, 2, 3, 4, 5].flatMap((i) => [...get(C_OUT), ...get(CACC + i), ...simd(0x0b, 3, 16 * i)]),
  0x0b,
];

// A banded filterbank product two rows at a time (the mel bank, mel.ts): parameters meta (byte
// address of [start, length, weights address, 0] as i32 per pair of rows), pairs, x (float64
// spectrum), out (float64, two a pair). A pair's weights are interleaved over the union of its
// rows' spans, zero outside a row's own span; those zeros add +0 (x is a finite power spectrum),
// so each lane sums exactly what the JavaScript loop does, in the same order.
const B_META = 0;
const B_PAIRS = 1;
const B_X = 2;
const B_OUT = 3;
const BP = 4;
const BMP = 5;
const BXP = 6;
const BEND = 7;
const BWP = 8;
const BACC = 9; // v128
const BANDED = [
  ...[...i32(0), ...set(BP), ...get(B_META), ...set(BMP)],
  ...[0x02, 0x40, 0x03, 0x40], // pairs
  ...[...get(BP), ...get(B_PAIRS), GE_S, 0x0d, 1],
  // xp = x + 8 * start; end = xp + 8 * length; wp = weights
  ...[...get(B_X), ...get(BMP), 0x28, 2, 0, ...i32(3), SHL, ADD, ...set(BXP)],
  ...[...get(BXP), ...get(BMP), 0x28, 2, 4, ...i32(3), SHL, ADD, ...set(BEND)],
  ...[...get(BMP), 0x28, 2, 8, ...set(BWP)],
  ...[...simd(0x0c, ...new Array<number>(16).fill(0)), ...set(BACC)],
  ...[0x02, 0x40, 0x03, 0x40], // bins
  ...[...get(BXP), ...get(BEND), GE_S, 0x0d, 1],
  ...[
    ...get(BACC),
    ...get(BWP),
    ...LOAD,
    ...get(BXP),
    0x2b,
    3,
    0,
    ...simd(0x14),
    ...FMUL,
    ...FADD,
    ...set(BACC),
  ],
  ...[...get(BXP), ...i32(8), ADD, ...set(BXP), ...get(BWP), ...i32(16), ADD, ...set(BWP)],
  ...[0x0c, 0, 0x0b, 0x0b],
  ...[...get(B_OUT), ...get(BP), ...i32(4), SHL, ADD, ...get(BACC), ...STORE],
  ...[...get(BP), ...i32(1), ADD, ...set(BP), ...get(BMP), ...i32(16), ADD, ...set(BMP)],
  ...[0x0c, 0, 0x0b, 0x0b, 0x0b],
];

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const stages = [
    ...vec([
      [...uleb(9), I32],
      [...uleb(16), V128],
    ]),
    ...BODY,
  ];
  const untangle = [
    ...vec([
      [...uleb(4), I32],
      [...uleb(15), V128],
    ]),
    ...UNTANGLE,
  ];
  const chroma = [
    ...vec([
      [...uleb(2), I32],
      [...uleb(7), V128],
    ]),
    ...CHROMA,
  ];
  const banded = [
    ...vec([
      [...uleb(5), I32],
      [...uleb(1), V128],
    ]),
    ...BANDED,
  ];
  const name = (s: string) => vec([...s].map((ch) => [ch.charCodeAt(0)]));
  return new Uint8Array([
    ...HEADER,
    ...section(
      1,
      vec([
        [0x60, ...vec([[I32], [I32], [I32]]), 0],
        [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32]]), 0],
        [0x60, ...vec([[I32], [I32], [I32], [I32]]), 0],
      ]),
    ),
    // import env.memory (min 1 page)
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 1]])),
    ...section(3, vec([[0], [1], [2], [2]])),
    ...section(
      7,
      vec([
        [...name('stages'), 0x00, 0],
        [...name('untangle'), 0x00, 1],
        [...name('chroma12'), 0x00, 2],
        [...name('banded'), 0x00, 3],
      ]),
    ),
    ...section(
      10,
      vec([
        [...uleb(stages.length), ...stages],
        [...uleb(untangle.length), ...untangle],
        [...uleb(chroma.length), ...chroma],
        [...uleb(banded.length), ...banded],
      ]),
    ),
  ]);
}

let compiled: WebAssembly.Module | null | undefined;

function getModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(moduleBytes());
    } catch {
      compiled = null; // no WebAssembly SIMD here: RealFft's JavaScript loop does it
    }
  }
  return compiled;
}

export interface FftStagesKernel {
  re: Float64Array;
  im: Float64Array;
  /** Run every radix-2^2 stage from sub-FFT size l0 (even) on re/im in place. */
  run(): void;
  /**
   * RealFft.untangle's loop for bins 1 .. m - 2 into power (and magnitude) at those bins; the
   * caller does bins 0, m - 1 and m.
   */
  untangle(power: Float64Array, magnitude?: Float64Array): void;
  /** RealFft.realPart's loop for bins 1 .. m - 2 into out at those bins. */
  realPart(out: Float64Array): void;
}

/**
 * A kernel for an m-point complex FFT whose stages start at sub-FFT size l0 (even, l0 * 4 <= m),
 * with its re/im buffers; null without WebAssembly SIMD or when there is no such stage.
 * `twiddle(L, j)` gives [w4re, w4im, w2re, w2im] of butterfly j in the stage of size L; wRe and
 * wIm are the untangling's exp(-2 pi i k / 2m), k = 0..m.
 */
export function fftStagesKernel(
  m: number,
  l0: number,
  twiddle: (L: number, j: number) => readonly [number, number, number, number],
  wRe: Float64Array,
  wIm: Float64Array,
): FftStagesKernel | null {
  if (l0 % 2 !== 0 || l0 * 4 > m) return null;
  const module = getModule();
  if (!module) return null;
  let twCount = 0;
  for (let L = l0; L * 4 <= m; L *= 4) twCount += 4 * L;
  // Layout (bytes): re at 0, im at 8m, the stages' twiddles, then wRe, wIm, power, magnitude.
  const twBase = 16 * m;
  const wReBase = twBase + 8 * twCount;
  const wImBase = wReBase + 8 * (m + 1);
  const powBase = wImBase + 8 * (m + 1);
  const magBase = powBase + 8 * (m + 1);
  const bytes = magBase + 8 * (m + 1);
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const stages = instance.exports.stages as (m: number, l0: number, tw: number) => void;
  const untangle = instance.exports.untangle as (
    m: number,
    wr: number,
    wi: number,
    p: number,
    mg: number,
    realOnly: number,
  ) => void;
  const buf = memory.buffer;
  const tw = new Float64Array(buf, twBase, twCount);
  let o = 0;
  for (let L = l0; L * 4 <= m; L *= 4) {
    for (let j = 0; j < L; j += 2) {
      const a = twiddle(L, j);
      const b = twiddle(L, j + 1);
      for (let k = 0; k < 4; k++) {
        tw[o++] = a[k]!;
        tw[o++] = b[k]!;
      }
    }
  }
  new Float64Array(buf, wReBase, m + 1).set(wRe);
  new Float64Array(buf, wImBase, m + 1).set(wIm);
  // Bins 1 .. m - 2 of the kernel's power and magnitude.
  const pow = new Float64Array(buf, powBase + 8, m - 2);
  const mag = new Float64Array(buf, magBase + 8, m - 2);
  return {
    re: new Float64Array(buf, 0, m),
    im: new Float64Array(buf, 8 * m, m),
    run: () => stages(m, l0, twBase),
    untangle: (power, magnitude) => {
      untangle(m, wReBase, wImBase, powBase, magnitude ? magBase : 0, 0);
      power.set(pow, 1);
      if (magnitude) magnitude.set(mag, 1);
    },
    realPart: (out) => {
      untangle(m, wReBase, wImBase, powBase, 0, 1);
      out.set(pow, 1);
    },
  };
}

/**
 * out[outOffset + r] = sum over k of dense[k * 12 + r] * x[k] for the 12 rows, in WebAssembly
 * SIMD; `dense` is the bank column-major with zeros where it stores nothing. Null without SIMD.
 */
export function chroma12Kernel(
  dense: Float64Array,
  bins: number,
): ((x: Float64Array, out: Float64Array, outOffset: number) => void) | null {
  const module = getModule();
  if (!module || dense.length !== 12 * bins) return null;
  const wBase = 0;
  const xBase = 96 * bins;
  const outBase = xBase + 8 * bins;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((outBase + 96) / 65536) });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const run = instance.exports.chroma12 as (w: number, x: number, out: number, bins: number) => void;
  const buf = memory.buffer;
  new Float64Array(buf, wBase, 12 * bins).set(dense);
  const xs = new Float64Array(buf, xBase, bins);
  const outs = new Float64Array(buf, outBase, 12);
  return (x, out, outOffset) => {
    xs.set(x.length === bins ? x : x.subarray(0, bins));
    run(wBase, xBase, outBase, bins);
    out.set(outs, outOffset);
  };
}

/**
 * out[outOffset + r] = sum over k in [start[r], end[r]) of weights[offset[r] + k - start[r]] x[k]
 * for every row (mel.ts's SparseBank), two rows at a time in WebAssembly SIMD; null without it.
 */
export function bandedKernel(
  rows: number,
  start: Int32Array,
  end: Int32Array,
  offset: Int32Array,
  weights: Float64Array,
  bins: number,
): ((x: Float64Array, out: Float64Array, outOffset: number) => void) | null {
  const module = getModule();
  if (!module) return null;
  const pairs = (rows + 1) >> 1;
  const span: [number, number][] = [];
  let wCount = 0;
  for (let p = 0; p < pairs; p++) {
    const rs = [2 * p, 2 * p + 1].filter((r) => r < rows && end[r]! > start[r]!);
    const a = rs.length ? Math.min(...rs.map((r) => start[r]!)) : 0;
    const b = rs.length ? Math.max(...rs.map((r) => end[r]!)) : 0;
    span.push([a, b]);
    wCount += 2 * (b - a);
  }
  const metaBase = 0;
  const xBase = 16 * pairs;
  const outBase = xBase + 8 * bins;
  const wBase = outBase + 16 * pairs;
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((wBase + 8 * wCount) / 65536)) });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const run = instance.exports.banded as (meta: number, pairs: number, x: number, out: number) => void;
  const buf = memory.buffer;
  const meta = new Int32Array(buf, metaBase, 4 * pairs);
  const w = new Float64Array(buf, wBase, wCount);
  let o = 0;
  for (let p = 0; p < pairs; p++) {
    const [a, b] = span[p]!;
    meta.set([a, b - a, wBase + 8 * o, 0], 4 * p);
    for (let lane = 0; lane < 2; lane++) {
      const r = 2 * p + lane;
      if (r >= rows) continue;
      for (let k = start[r]!; k < end[r]!; k++)
        w[o + 2 * (k - a) + lane] = weights[offset[r]! + k - start[r]!]!;
    }
    o += 2 * (b - a);
  }
  const xs = new Float64Array(buf, xBase, bins);
  const outs = new Float64Array(buf, outBase, rows);
  return (x, out, outOffset) => {
    xs.set(x.length === bins ? x : x.subarray(0, bins));
    run(metaBase, pairs, xBase, outBase);
    out.set(outs, outOffset);
  };
}
