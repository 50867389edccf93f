/**
 * The bundled MLP's fast path (src/main/inference/dense-chain.ts: batch norms folded into fused
 * matrix multiplies) against the layers model it replaces, on real RAVDESS clips: the same
 * probabilities within 1e-5, calibrated or not. A model that is not a plain dense stack keeps the
 * layers model.
 */
import type { PooledCentres } from '../../src/main/training/pooled-centre.js';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFile } from '../../src/main/audio/decode.js';
import { extractFeatures } from '../../src/main/features/extract.js';
import type { FeatureMatrix } from '../../src/shared/features.js';
import { calibrationFrom } from '../../src/main/inference/calibration.js';
import { denseChainOf } from '../../src/main/inference/dense-chain.js';
import {
  classifyMatrices,
  disposeClassifier,
  loadClassifier,
  type Classifier,
} from '../../src/main/inference/predict.js';
import { tf } from '../../src/main/model/tf.js';
import { modelProbs } from '../../src/main/training/model-probs.js';
import { applyNormalization } from '../../src/main/training/normalise.js';
import { HAVE_RAVDESS, MISSING_DATA, RAVDESS_16K } from '../helpers/shared-data.js';

describe.skipIf(!HAVE_RAVDESS)(`the dense-chain fast path ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  let c: Classifier;
  const mats: FeatureMatrix[] = [];

  beforeAll(async () => {
    c = await loadClassifier('default');
    // Two clips of each of six actors, different emotions and lengths.
    for (const actor of [1, 4, 9, 14, 17, 20]) {
      const dir = `${RAVDESS_16K}/Actor_${String(actor).padStart(2, '0')}`;
      const files = readdirSync(dir).sort();
      for (const f of [files[actor], files[30 + actor]]) {
        const { samples } = await decodeFile(`${dir}/${f}`, { targetRate: c.meta.featureConfig.sampleRate });
        mats.push(extractFeatures(samples, c.meta.featureConfig));
      }
    }
  });
  afterAll(() => disposeClassifier(c));

  /**
   * The previous path: the layers model's predict on the same normalised (and, for the recipe's
   * speaker centring, centred) inputs.
   */
  async function layersProbs(
    stats: (i: number) => { mean: number[]; std: number[] },
    centres: PooledCentres | null,
  ): Promise<Float32Array> {
    const all: Float32Array[] = [];
    for (const { meta, model } of c.members) {
      const pre = mats.map((m, i) => ({ ...m, data: applyNormalization(m.data, stats(i)) }));
      all.push(
        await modelProbs(
          model,
          meta,
          c.labels.length,
          pre,
          pre.map(() => centres),
        ),
      );
    }
    return all.length === 1 ? all[0]! : all.reduce((a, b) => a.map((v, i) => v + b[i]!));
  }

  it('the bundled model is a dense chain', () => {
    expect(c.meta.input.pooled).toBe(true);
    const chain = denseChainOf(c.model);
    expect(chain).not.toBeNull();
    expect(chain!.inputs).toBe(c.meta.input.width);
    expect(chain!.outputs).toBe(c.labels.length);
  });

  it('gives the layers model probabilities within 1e-5 for single clips (typical speaker)', async () => {
    const typical = c.meta.inputNormalization!.typical!;
    const want = await layersProbs(() => typical, c.meta.inputNormalization!.pooledCentres ?? null);
    const got = await classifyMatrices(c, mats, undefined, { temperature: false });
    expect(got.length).toBe(want.length);
    let max = 0;
    for (let i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i]! - want[i]!));
    expect(max).toBeLessThan(1e-5);
    // And one clip at a time, as classify asks: the same rows.
    const one = await classifyMatrices(c, [mats[3]!], undefined, { temperature: false });
    for (let j = 0; j < one.length; j++)
      expect(Math.abs(one[j]! - want[3 * c.labels.length + j]!)).toBeLessThan(1e-5);
  });

  it('gives the layers model probabilities within 1e-5 for calibrated clips', async () => {
    const cal = calibrationFrom(mats.slice(0, 6), 20);
    const want = await layersProbs(() => cal.stats, cal.centres);
    const got = await classifyMatrices(
      c,
      mats,
      mats.map(() => cal),
      { temperature: false },
    );
    let max = 0;
    for (let i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i]! - want[i]!));
    expect(max).toBeLessThan(1e-5);
  });
});

describe('a model that is not a dense stack', () => {
  it('keeps the layers model (denseChainOf gives null)', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv1d({ inputShape: [8, 3], filters: 2, kernelSize: 3 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    expect(denseChainOf(model)).toBeNull();
    model.dispose();
  });
});
