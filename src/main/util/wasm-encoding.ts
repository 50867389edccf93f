/**
 * The few WebAssembly binary encodings our hand-assembled SIMD kernels use
 * (audio/decimate-simd.ts, features/fft-simd.ts): each module is built from its instructions at
 * start-up, so it needs no toolchain; these helpers keep the encodings in one place.
 */

/** Unsigned LEB128 (indices, sizes, counts). */
export const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};

/** Signed LEB128, as i32.const takes: a non-negative value needs its top bit clear (64 is 0xc0 0x00). */
export const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};

/** A vector: its length, then its items. */
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
/** A section: id, byte size, bytes. */
export const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
/** The module header: magic and version 1. */
export const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** Value types. */
export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** local.get / local.set / local.tee. */
export const get = (i: number) => [0x20, ...uleb(i)];
export const set = (i: number) => [0x21, ...uleb(i)];
export const tee = (i: number) => [0x22, ...uleb(i)];
/** i32.const. */
export const i32 = (v: number) => [0x41, ...sleb(v)];

/** i32 arithmetic and comparisons. */
export const ADD = 0x6a;
export const SUB = 0x6b;
export const MUL = 0x6c;
export const SHL = 0x74;
export const GE_S = 0x4e;
export const GT_S = 0x4a;

/** A SIMD instruction (0xfd prefix) with its immediates. */
export const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
/** A memory argument: alignment (log2) and offset 0. */
export const memarg = (alignLog2: number) => [alignLog2, 0];
