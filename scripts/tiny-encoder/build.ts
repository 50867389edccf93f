/**
 * Builds the tiny speech encoder the tests and the runtime measurement use in place of a real
 * one (which cannot be downloaded here), in the Hugging Face Hub layout a real export has:
 *
 *   config.json  preprocessor_config.json  onnx/model.onnx
 *
 * with the real exports' names and shapes: `input_values` [batch, samples] at 16 kHz ->
 * `last_hidden_state` [batch, frames, hidden], one frame per 20 ms (stride 320, receptive field
 * 400 samples, as wav2vec2/HuBERT/WavLM's convolutional front end). What it computes is fixed,
 * not learned and not random, so that emotion can be learned from it: a bank of Hann-windowed
 * cosine/sine pairs at mel-spaced centre frequencies (a Gabor filterbank, as a 1-D convolution),
 * squared and summed per pair (band energy), log, then a fixed projection of the log energies
 * onto [identity | DCT-II rows 1..] (log band energies and a cepstrum), so the output is a
 * 48-wide frame of spectral envelope, something like the first layers of a speech encoder.
 *
 *   node bin/run-ts.mjs scripts/tiny-encoder/build.ts OUT_DIR
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodeModel } from './onnx-writer.js';

export const TINY_SAMPLE_RATE = 16_000;
export const TINY_STRIDE = 320;
export const TINY_KERNEL = 400;
export const TINY_BANDS = 32;
export const TINY_HIDDEN = 48;

const mel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
const hzOfMel = (m: number) => 700 * (10 ** (m / 2595) - 1);

/** Band centre frequencies, mel-spaced between 100 Hz and 7 kHz. */
export function bandCentres(): number[] {
  const lo = mel(100);
  const hi = mel(7000);
  return Array.from({ length: TINY_BANDS }, (_, k) => hzOfMel(lo + ((hi - lo) * k) / (TINY_BANDS - 1)));
}

/** The ONNX model's bytes. */
export function tinyEncoderModel(): Uint8Array {
  const F = TINY_BANDS;
  const K = TINY_KERNEL;
  const centres = bandCentres();
  // Conv weights [2F, 1, K]: rows 2k and 2k+1 are the cosine and sine of band k under a Hann window.
  const fb = new Float32Array(2 * F * K);
  let hannSum = 0;
  for (let n = 0; n < K; n++) hannSum += 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / K);
  for (let k = 0; k < F; k++) {
    const w = (2 * Math.PI * centres[k]!) / TINY_SAMPLE_RATE;
    for (let n = 0; n < K; n++) {
      const hann = (0.5 - 0.5 * Math.cos((2 * Math.PI * n) / K)) / hannSum;
      fb[2 * k * K + n] = hann * Math.cos(w * n);
      fb[(2 * k + 1) * K + n] = hann * Math.sin(w * n);
    }
  }
  // 1x1 conv [F, 2F, 1] summing each pair of squared responses into the band's energy.
  const pairSum = new Float32Array(F * 2 * F);
  for (let k = 0; k < F; k++) {
    pairSum[k * 2 * F + 2 * k] = 1;
    pairSum[k * 2 * F + 2 * k + 1] = 1;
  }
  // Projection [F, H]: identity on the first F columns, orthonormal DCT-II rows 1..H-F after.
  const H = TINY_HIDDEN;
  const proj = new Float32Array(F * H);
  for (let f = 0; f < F; f++) {
    proj[f * H + f] = 1;
    for (let c = 1; c <= H - F; c++) {
      proj[f * H + F + c - 1] = Math.sqrt(2 / F) * Math.cos((Math.PI * c * (f + 0.5)) / F);
    }
  }
  return encodeModel({
    name: 'tiny_gabor_encoder',
    producer: 'ser-studio tiny-encoder',
    opset: 17,
    inputs: [{ name: 'input_values', shape: ['batch_size', 'sequence_length'] }],
    outputs: [{ name: 'last_hidden_state', shape: ['batch_size', 'frames', H] }],
    initialisers: [
      { name: 'axis1', dims: [1], data: BigInt64Array.from([1n]) },
      { name: 'filterbank', dims: [2 * F, 1, K], data: fb },
      { name: 'pair_sum', dims: [F, 2 * F, 1], data: pairSum },
      { name: 'eps', dims: [], data: Float32Array.from([1e-8]) },
      { name: 'projection', dims: [F, H], data: proj },
    ],
    nodes: [
      { op: 'Unsqueeze', inputs: ['input_values', 'axis1'], outputs: ['wave'] },
      {
        op: 'Conv',
        inputs: ['wave', 'filterbank'],
        outputs: ['responses'],
        attributes: { kernel_shape: [K], strides: [TINY_STRIDE] },
      },
      { op: 'Mul', inputs: ['responses', 'responses'], outputs: ['squared'] },
      { op: 'Conv', inputs: ['squared', 'pair_sum'], outputs: ['energy'], attributes: { kernel_shape: [1] } },
      { op: 'Add', inputs: ['energy', 'eps'], outputs: ['energy_floored'] },
      { op: 'Log', inputs: ['energy_floored'], outputs: ['log_energy'] },
      { op: 'Transpose', inputs: ['log_energy'], outputs: ['frames_major'], attributes: { perm: [0, 2, 1] } },
      { op: 'MatMul', inputs: ['frames_major', 'projection'], outputs: ['last_hidden_state'] },
    ],
  });
}

/** Writes the encoder folder (Hub layout) into `dir`; returns the model file's path. */
export function buildTinyEncoder(dir: string): string {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const config = {
    // A wav2vec2-family config, as the real exports' (transformers.js maps it to Wav2Vec2Model).
    model_type: 'wav2vec2',
    architectures: ['Wav2Vec2Model'],
    hidden_size: TINY_HIDDEN,
    num_hidden_layers: 0,
    conv_stride: [TINY_STRIDE],
    conv_kernel: [TINY_KERNEL],
    _note: 'ser-studio tiny encoder: a fixed Gabor filterbank, for tests only',
  };
  const preprocessor = {
    feature_extractor_type: 'Wav2Vec2FeatureExtractor',
    feature_size: 1,
    sampling_rate: TINY_SAMPLE_RATE,
    padding_value: 0,
    do_normalize: true,
    return_attention_mask: false,
  };
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(join(dir, 'preprocessor_config.json'), `${JSON.stringify(preprocessor, null, 2)}\n`);
  const model = join(dir, 'onnx', 'model.onnx');
  writeFileSync(model, tinyEncoderModel());
  return model;
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node bin/run-ts.mjs scripts/tiny-encoder/build.ts OUT_DIR');
    process.exit(2);
  }
  console.log(buildTinyEncoder(resolve(out)));
}
