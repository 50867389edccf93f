/**
 * The models: the seed's CNN-LSTM over framed features, and an MLP over pooled statistics.
 *
 * CNN-LSTM: input [frames, width] -> per block: conv (k, 'same') -> [batch norm] -> max-pool
 * over time -> relu -> dropout; then LSTM -> dropout -> [dense relu -> dropout] -> softmax.
 * (relu after the pool equals relu before it and touches fewer values.)
 * MLP: input [2 or 6 x feature width] (per-column statistics over frames, ModelConfig.pooling) -> per hidden layer:
 * dense -> [batch norm] -> relu -> dropout; then softmax.
 * Every initializer and dropout layer gets its own seed derived from `seed`.
 */
import { SerError } from '../../shared/errors.js';
import { POOLED_VALUES, type ModelConfig } from '../../shared/training.js';
import { SerBatchNorm, SerConv1D, SerDense, SerDropout, SerLSTM, SerTimeMaxPool } from './layers.js';
import { tf } from './tf.js';
import { layerSeed } from '../util/rng.js';

export interface ModelInputShape {
  /** Frames per example (1 for the pooled MLP). */
  frames: number;
  /** Values per frame: the feature width, or 2 x feature width for pooled statistics. */
  width: number;
}

/** The model input a config expects for features `featureWidth` wide. */
export function modelInput(cfg: ModelConfig, featureWidth: number): ModelInputShape & { pooled: boolean } {
  return cfg.kind === 'mlp'
    ? { frames: 1, width: POOLED_VALUES[cfg.pooling ?? 'mean-std'] * featureWidth, pooled: true }
    : { frames: cfg.frames, width: featureWidth, pooled: false };
}

/** Frames left after the conv blocks' pooling. */
export function framesAfterPooling(cfg: ModelConfig): number {
  return cfg.poolSizes.reduce((t, p) => Math.floor(t / p), cfg.frames);
}

function check(cfg: ModelConfig, input: ModelInputShape, numClasses: number): void {
  const bad = (msg: string): never => {
    throw new SerError('ValidationError', `model config: ${msg}`);
  };
  if (numClasses < 2) bad(`need at least 2 classes, got ${numClasses}`);
  if (!(cfg.dropout >= 0 && cfg.dropout < 1)) bad(`dropout must be in [0, 1), got ${cfg.dropout}`);
  if (input.width < 1) bad(`input width must be positive, got ${input.width}`);
  if (cfg.kind === 'mlp') return;
  const n = cfg.convFilters.length;
  if (cfg.convKernels.length !== n || cfg.poolSizes.length !== n) {
    bad(
      `convFilters, convKernels and poolSizes need the same length (${n}, ${cfg.convKernels.length}, ${cfg.poolSizes.length})`,
    );
  }
  if (input.frames !== cfg.frames) bad(`input has ${input.frames} frames but the config says ${cfg.frames}`);
  if (cfg.lstmUnits < 1) bad(`lstmUnits must be positive, got ${cfg.lstmUnits}`);
  if ([...cfg.convFilters, ...cfg.convKernels, ...cfg.poolSizes].some((v) => !Number.isInteger(v) || v < 1)) {
    bad('conv filters, kernels and pool sizes must be positive integers');
  }
  if (framesAfterPooling(cfg) < 1)
    bad(`${cfg.frames} frames pooled by ${cfg.poolSizes.join(' x ')} leaves no frames`);
}

/** A fresh, uncompiled model with deterministic initial weights for `seed`. */
export function buildModel(
  cfg: ModelConfig,
  input: ModelInputShape,
  numClasses: number,
  seed: number,
): tf.LayersModel {
  check(cfg, input, numClasses);
  let n = 0;
  const next = () => layerSeed(seed, n++);
  const model = tf.sequential({ name: cfg.kind === 'mlp' ? 'ser_mlp' : 'ser_cnn_lstm' });
  const dropout = (name: string, mode: 'element' | 'channel' = 'element') => {
    const s = next();
    if (cfg.dropout > 0) model.add(new SerDropout({ name, rate: cfg.dropout, mode, seed: s }));
  };

  if (cfg.kind === 'mlp') {
    const hidden = cfg.mlpHidden ?? [cfg.denseUnits, Math.max(1, Math.round(cfg.denseUnits / 2))];
    hidden.forEach((units, i) => {
      const first = i === 0 ? { inputShape: [input.width] } : {};
      model.add(
        new SerDense({
          name: `dense${i + 1}`,
          units,
          activation: cfg.batchNorm ? 'linear' : 'relu',
          seed: next(),
          ...first,
        }),
      );
      if (cfg.batchNorm) {
        model.add(new SerBatchNorm({ name: `bn${i + 1}` }));
        model.add(tf.layers.activation({ name: `relu${i + 1}`, activation: 'relu' }));
      }
      dropout(`drop${i + 1}`);
    });
  } else {
    cfg.convFilters.forEach((filters, i) => {
      const first = i === 0 ? { inputShape: [input.frames, input.width] } : {};
      const k = cfg.convKernels[i]!;
      model.add(
        new SerConv1D({
          name: `conv${i + 1}`,
          filters,
          kernelSize: k,
          useBias: !cfg.batchNorm,
          seed: next(),
          ...first,
        }),
      );
      if (cfg.batchNorm) model.add(new SerBatchNorm({ name: `bn${i + 1}` }));
      model.add(
        new SerTimeMaxPool({ name: `pool${i + 1}`, poolSize: cfg.poolSizes[i]!, activation: 'relu' }),
      );
      dropout(`drop${i + 1}`, cfg.convDropout ?? 'element');
    });
    const first = cfg.convFilters.length === 0 ? { inputShape: [input.frames, input.width] } : {};
    const mean = cfg.lstmPooling === 'mean';
    model.add(
      new SerLSTM({ name: 'lstm', units: cfg.lstmUnits, returnSequences: mean, seed: next(), ...first }),
    );
    if (mean) model.add(tf.layers.globalAveragePooling1d({ name: 'lstm_mean' }));
    dropout('drop_lstm');
    if (cfg.denseUnits > 0) {
      model.add(new SerDense({ name: 'dense', units: cfg.denseUnits, activation: 'relu', seed: next() }));
      dropout('drop_dense');
    }
  }
  model.add(new SerDense({ name: 'output', units: numClasses, activation: 'softmax', seed: next() }));
  return model;
}
