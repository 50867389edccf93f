/**
 * Model inputs from feature matrices: fixed-length windows of normalised frames for the sequence
 * model, pooled statistics for the MLP. Examples are filled into a batch buffer on demand, so a
 * training example can be cropped at a random offset each epoch while evaluation uses the centre.
 */
import type { FeatureMatrix } from '../../shared/features.js';
import type { MaskConfig } from '../../shared/training.js';
import { applyNormalization, type Normalization } from './normalise.js';
import type { Rng } from '../util/rng.js';

/** A set of examples the training loop can batch. */
export interface ExampleSet {
  size: number;
  /** Shape of one example: [frames, width] or [width]. */
  shape: number[];
  labels: Int32Array;
  /**
   * Write example `i` into `out` at `offset`. `rng` is given for training batches (random crop
   * position, masking) and null for evaluation (deterministic centre crop, no masking).
   */
  fill(i: number, out: Float32Array, offset: number, rng: Rng | null): void;
}

/**
 * Copy `frames` frames of `src` ([srcFrames x width]) into `out` starting at `offset`. A longer
 * clip is cropped at `start` (default: centred); a shorter one is placed at `start` (default:
 * centred) in zeros, 0 being the mean after normalisation.
 */
export function cropPad(
  src: Float32Array,
  srcFrames: number,
  width: number,
  frames: number,
  out: Float32Array,
  offset: number,
  start?: number,
): void {
  const size = frames * width;
  if (srcFrames >= frames) {
    const s = start ?? Math.floor((srcFrames - frames) / 2);
    out.set(src.subarray(s * width, s * width + size), offset);
    return;
  }
  out.fill(0, offset, offset + size);
  const pad = start ?? Math.floor((frames - srcFrames) / 2);
  out.set(src.subarray(0, srcFrames * width), offset + pad * width);
}

/**
 * Start frames of the windows that cover a clip longer than the model's input: half-overlapping,
 * the last one flush with the end, so every frame is seen and predictions can be averaged.
 * A clip that fits in one window gets the single start 0.
 */
export function windowStarts(srcFrames: number, frames: number): number[] {
  if (srcFrames <= frames) return [0];
  const hop = Math.max(1, Math.floor(frames / 2));
  const out: number[] = [];
  for (let s = 0; s + frames < srcFrames; s += hop) out.push(s);
  out.push(srcFrames - frames);
  return out;
}

/** Zero random runs of columns and frames of one example in place (SpecAugment-style). */
export function maskExample(
  buf: Float32Array,
  offset: number,
  frames: number,
  width: number,
  mask: MaskConfig,
  rng: Rng,
): void {
  for (let m = 0; m < mask.freqMasks; m++) {
    const w = Math.floor(rng() * (mask.freqWidth + 1));
    if (w === 0) continue;
    const c0 = Math.floor(rng() * Math.max(1, width - w));
    for (let f = 0; f < frames; f++) buf.fill(0, offset + f * width + c0, offset + f * width + c0 + w);
  }
  for (let m = 0; m < mask.timeMasks; m++) {
    const w = Math.floor(rng() * (mask.timeWidth + 1));
    if (w === 0) continue;
    const f0 = Math.floor(rng() * Math.max(1, frames - w));
    buf.fill(0, offset + f0 * width, offset + (f0 + w) * width);
  }
}

export interface SequenceSource {
  /** Normalised frame-major data. */
  data: Float32Array;
  frames: number;
}

/** Normalise a matrix for the sequence model (a copy; the source stays as extracted). */
export function normalisedSequence(m: FeatureMatrix, norm: Normalization): SequenceSource {
  return { data: applyNormalization(m.data, norm), frames: m.frames };
}

/**
 * Sequence examples: each source is one clip's normalised frames, cropped or padded to `frames`.
 * Training fills pick a random crop or placement and apply masking.
 */
export function sequenceSet(
  sources: SequenceSource[],
  labels: Int32Array,
  frames: number,
  width: number,
  opts: { randomCrop?: boolean; mask?: MaskConfig | null } = {},
): ExampleSet {
  return {
    size: sources.length,
    shape: [frames, width],
    labels,
    fill(i, out, offset, rng) {
      const s = sources[i]!;
      let start: number | undefined;
      if (rng && opts.randomCrop) start = Math.floor(rng() * (Math.abs(s.frames - frames) + 1));
      cropPad(s.data, s.frames, width, frames, out, offset, start);
      if (rng && opts.mask) maskExample(out, offset, frames, width, opts.mask, rng);
    },
  };
}

/** Vector examples (pooled statistics, already normalised). */
export function vectorSet(vectors: Float32Array[], labels: Int32Array, width: number): ExampleSet {
  return {
    size: vectors.length,
    shape: [width],
    labels,
    fill(i, out, offset) {
      out.set(vectors[i]!, offset);
    },
  };
}

/**
 * Class probabilities per clip from a sequence model: clips longer than the model's input are
 * cut into half-overlapping windows whose probabilities are averaged; shorter ones are centred.
 * `predict` maps an ExampleSet to row-major probabilities [n x k].
 */
export async function predictClips(
  sources: SequenceSource[],
  frames: number,
  width: number,
  k: number,
  predict: (set: ExampleSet) => Promise<Float32Array>,
): Promise<Float32Array> {
  const owner: number[] = [];
  const starts: number[] = [];
  sources.forEach((s, i) => {
    for (const st of windowStarts(s.frames, frames)) {
      owner.push(i);
      starts.push(st);
    }
  });
  const set: ExampleSet = {
    size: owner.length,
    shape: [frames, width],
    labels: new Int32Array(owner.length),
    fill(j, out, offset) {
      const s = sources[owner[j]!]!;
      // A clip shorter than the input is centred in zeros, as in training.
      cropPad(s.data, s.frames, width, frames, out, offset, s.frames > frames ? starts[j] : undefined);
    },
  };
  const probs = await predict(set);
  const out = new Float32Array(sources.length * k);
  const count = new Float32Array(sources.length);
  for (let j = 0; j < owner.length; j++) {
    const i = owner[j]!;
    count[i]! += 1;
    for (let c = 0; c < k; c++) out[i * k + c]! += probs[j * k + c]!;
  }
  for (let i = 0; i < sources.length; i++)
    for (let c = 0; c < k; c++) out[i * k + c]! /= Math.max(1, count[i]!);
  return out;
}
