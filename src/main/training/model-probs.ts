/**
 * Class probabilities of one trained model for feature matrices, the way inference computes them
 * (src/main/inference/predict.ts) and the trainer's temperature fit needs them: the matrices are
 * already through the run's input normalisation (per speaker or utterance; raw for global), then
 * pooled, centred when `centres` gives a clip's (pooled-centre.ts) and standardised (MLP) or standardised and cut into half-overlapping windows whose
 * probabilities are averaged (sequence models).
 */
import { SerError } from '../../shared/errors.js';
import type { FeatureMatrix } from '../../shared/features.js';
import type { ModelConfig } from '../../shared/training.js';
import { poolMatrix } from '../features/matrix.js';
import type { LayersModel } from '../model/tf.js';
import { predictClips, vectorSet, type SequenceSource } from './examples.js';
import { predictSet } from './loop.js';
import { applyNormalization, type Normalization } from './normalise.js';
import { centred, type PooledCentres } from './pooled-centre.js';

export interface ModelPartSpec {
  modelConfig: ModelConfig;
  input: { frames: number; width: number; pooled: boolean };
  normalization: Normalization;
}

/** Row-major probabilities [n x k] of `model` for `pre` (see the header). */
export async function modelProbs(
  model: LayersModel,
  spec: ModelPartSpec,
  k: number,
  pre: readonly FeatureMatrix[],
  centres?: readonly (PooledCentres | null)[],
): Promise<Float32Array> {
  if (spec.input.pooled) {
    const pooling = spec.modelConfig.pooling ?? 'mean-std';
    const vecs = pre.map((m, i) =>
      applyNormalization(centred(poolMatrix(m, pooling), centres?.[i]?.[pooling]), spec.normalization),
    );
    return predictSet(model, vectorSet(vecs, new Int32Array(vecs.length), spec.input.width));
  }
  const width = pre[0]?.width ?? spec.input.width;
  if (width !== spec.input.width) {
    throw new SerError('ModelError', `features are ${width} wide but the model expects ${spec.input.width}`);
  }
  const sources: SequenceSource[] = pre.map((m) => ({
    data: applyNormalization(m.data, spec.normalization),
    frames: m.frames,
  }));
  return predictClips(sources, spec.input.frames, spec.input.width, k, (s) => predictSet(model, s));
}
