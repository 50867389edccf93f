/**
 * Runs an ONNX speech encoder in this process on onnxruntime-node's native CPU kernels (chosen
 * over @huggingface/transformers by measurement: README "Speech encoders"). onnxruntime-node is
 * loaded on first use, so everything else works where its binary cannot load, and that case is
 * one line naming what is missing.
 *
 * Long clips run in bounded windows so memory stays flat whatever the clip's length:
 * WINDOW_SECONDS of audio per run with OVERLAP_SECONDS shared between neighbours; each output
 * frame is kept from the window in which it sits farthest from an edge (half the overlap goes to
 * each side), so the frames join without duplicates or gaps. Each window is normalised to zero
 * mean and unit variance when the folder's preprocessor_config.json says `do_normalize` (as the
 * wav2vec2 feature extractor does).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as OrtModule from 'onnxruntime-node';
import { join } from 'node:path';
import { ENCODER_INPUT, ENCODER_OUTPUT } from '../../shared/encoders.js';
import { SerError } from '../../shared/errors.js';

export const WINDOW_SECONDS = 10;
export const OVERLAP_SECONDS = 1;

type Ort = typeof OrtModule;
let ortModule: Ort | null = null;

/** onnxruntime-node, or a one-line EncoderError saying it is missing and how to get it. */
export function loadOrt(): Ort {
  if (ortModule) return ortModule;
  try {
    // require: onnxruntime-node is CommonJS with a native addon; keeps it out of bundles' graphs.
    ortModule = createRequire(import.meta.url)('onnxruntime-node') as Ort;
    return ortModule;
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new SerError(
      'EncoderError',
      `speech encoders need onnxruntime-node, which could not be loaded (${why}); run npm install onnxruntime-node`,
    );
  }
}

export interface FrameEmbeddings {
  frames: number;
  hidden: number;
  /** frames x hidden, frame-major. */
  data: Float32Array;
}

export interface EncoderSession {
  hidden: number;
  embed(samples: Float32Array): Promise<FrameEmbeddings>;
  close(): Promise<void>;
}

function normalise(x: Float32Array): Float32Array {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i]!;
  mean /= x.length || 1;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i]! - mean) ** 2;
  const scale = 1 / Math.sqrt(v / (x.length || 1) + 1e-7);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i]! - mean) * scale;
  return out;
}

/** Opens `<folder>/<model>` (a file in the Hub layout) for embedding; checks its input and output names. */
export async function openEncoder(
  modelPath: string,
  opts: { doNormalize?: boolean; sampleRate?: number } = {},
): Promise<EncoderSession> {
  const ort = loadOrt();
  let session: Awaited<ReturnType<Ort['InferenceSession']['create']>>;
  try {
    session = await ort.InferenceSession.create(modelPath, {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: 1,
    });
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new SerError('EncoderError', `not a loadable ONNX model (${why}): ${modelPath}`, modelPath);
  }
  if (!session.inputNames.includes(ENCODER_INPUT) || !session.outputNames.includes(ENCODER_OUTPUT)) {
    await session.release();
    throw new SerError(
      'EncoderError',
      `not a speech encoder: needs input ${ENCODER_INPUT} and output ${ENCODER_OUTPUT}, has ${session.inputNames.join(',')} -> ${session.outputNames.join(',')}: ${modelPath}`,
      modelPath,
    );
  }
  const rate = opts.sampleRate ?? 16_000;
  const win = WINDOW_SECONDS * rate;
  const hop = win - OVERLAP_SECONDS * rate;
  const run = async (x: Float32Array): Promise<{ frames: number; hidden: number; data: Float32Array }> => {
    const input = opts.doNormalize ? normalise(x) : x;
    const out = await session.run({ [ENCODER_INPUT]: new ort.Tensor('float32', input, [1, input.length]) });
    const t = out[ENCODER_OUTPUT]!;
    const [, frames, hidden] = t.dims as number[];
    return { frames: frames!, hidden: hidden!, data: t.data as Float32Array };
  };
  const probe = await run(new Float32Array(rate).map((_, i) => 0.01 * Math.sin(i / 7)));
  const hidden = probe.hidden;
  return {
    hidden,
    async embed(samples) {
      if (samples.length <= win) {
        const r = await run(samples);
        return { frames: r.frames, hidden, data: new Float32Array(r.data) };
      }
      const chunks: Float32Array[] = [];
      let total = 0;
      for (let start = 0; ; start += hop) {
        const end = Math.min(samples.length, start + win);
        const r = await run(samples.subarray(start, end));
        const step = (end - start) / r.frames; // samples per frame in this window
        const keepFrom = start === 0 ? start : start + (OVERLAP_SECONDS * rate) / 2;
        const last = end >= samples.length;
        const keepTo = last ? end : end - (OVERLAP_SECONDS * rate) / 2;
        for (let f = 0; f < r.frames; f++) {
          const centre = start + (f + 0.5) * step;
          if (centre >= keepFrom && centre < keepTo) {
            chunks.push(r.data.subarray(f * hidden, (f + 1) * hidden));
            total++;
          }
        }
        if (last) break;
      }
      const data = new Float32Array(total * hidden);
      chunks.forEach((c, i) => data.set(c, i * hidden));
      return { frames: total, hidden, data };
    },
    close: () => session.release(),
  };
}

/** Whether a folder's preprocessor asks for per-clip normalisation (wav2vec2's `do_normalize`). */
export function folderNormalises(dir: string): boolean {
  const p = join(dir, 'preprocessor_config.json');
  if (!existsSync(p)) return false;
  try {
    return (JSON.parse(readFileSync(p, 'utf8')) as { do_normalize?: unknown }).do_normalize === true;
  } catch {
    return false;
  }
}

/** Opens, runs one second of audio through and closes a model: the check before installing it. */
export async function inspectEncoderModel(modelPath: string): Promise<{ hiddenSize: number }> {
  const s = await openEncoder(modelPath);
  await s.close();
  return { hiddenSize: s.hidden };
}
