/**
 * The same model made of TensorFlow.js's stock layers, so it loads anywhere tf.loadLayersModel
 * runs (a browser, plain @tensorflow/tfjs in Node, tensorflowjs_converter) without our layer
 * classes. Every weight is copied unchanged; our layers are written with the stock layers'
 * conventions, so the stock forward pass computes the same function:
 *
 *   SerConv1D (stride 1, 'same', kernel [k, C, F]) -> conv1d({ padding: 'same' })
 *       TensorFlow's 'same' split (the extra zero on the right for even k), as ops.ts pads.
 *   SerBatchNorm (last axis, moving statistics)    -> batchNormalization({ axis: -1 })
 *       inference (x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta.
 *   SerTimeMaxPool(p, relu)                        -> maxPooling1d({ poolSize: p, strides: p,
 *       padding: 'valid' }) then activation('relu') (trailing frames dropped, as ours).
 *   SerLSTM                                        -> lstm({ recurrentActivation: 'sigmoid' })
 *       Keras gate order i, f, g, o; kernel, recurrent_kernel, bias as Keras lays them out.
 *   SerDense(units, activation)                    -> dense
 *   SerDropout (element / channel)                 -> dropout / spatialDropout1d (inference: identity)
 *   Activation, GlobalAveragePooling1D             -> unchanged (already stock)
 */
import { SerError } from '../../shared/errors.js';
import { SerBatchNorm, SerConv1D, SerDense, SerDropout, SerLSTM, SerTimeMaxPool } from './layers.js';
import { tf } from './tf.js';

type Layer = tf.layers.Layer;

/** The stock layers standing for one of ours, in order (a pool becomes pool + relu). */
function stockFor(layer: Layer, first: { batchInputShape?: Array<number | null> }): Layer[] {
  const name = layer.name;
  if (layer instanceof SerConv1D) {
    return [
      tf.layers.conv1d({
        name,
        filters: layer.filters,
        kernelSize: layer.kernelSize,
        strides: 1,
        padding: 'same',
        useBias: layer.useBias,
        ...first,
      }),
    ];
  }
  if (layer instanceof SerBatchNorm) {
    return [
      tf.layers.batchNormalization({ name, axis: -1, momentum: layer.momentum, epsilon: layer.epsilon }),
    ];
  }
  if (layer instanceof SerTimeMaxPool) {
    const pool = tf.layers.maxPooling1d({
      name,
      poolSize: layer.poolSize,
      strides: layer.poolSize,
      padding: 'valid',
      ...first,
    });
    return layer.activation === 'relu'
      ? [pool, tf.layers.activation({ name: `${name}_relu`, activation: 'relu' })]
      : [pool];
  }
  if (layer instanceof SerLSTM) {
    return [
      tf.layers.lstm({
        name,
        units: layer.units,
        returnSequences: layer.returnSequences,
        activation: 'tanh',
        recurrentActivation: 'sigmoid',
        // Built with zeros (its weights are ours): tfjs's orthogonal initializer is a slow QR
        // that warns on large matrices. withDefaultInitializer restores the saved config's.
        recurrentInitializer: 'zeros',
        ...first,
      }),
    ];
  }
  if (layer instanceof SerDense) {
    return [tf.layers.dense({ name, units: layer.units, activation: layer.activation, ...first })];
  }
  if (layer instanceof SerDropout) {
    return [
      layer.mode === 'channel'
        ? tf.layers.spatialDropout1d({ name, rate: layer.rate })
        : tf.layers.dropout({ name, rate: layer.rate }),
    ];
  }
  const cls = layer.getClassName();
  if (cls === 'Activation') {
    const activation = layer.getConfig()['activation'] as 'relu' | 'linear' | 'softmax' | 'tanh' | 'sigmoid';
    return [tf.layers.activation({ name, activation, ...first })];
  }
  if (cls === 'GlobalAveragePooling1D') return [tf.layers.globalAveragePooling1d({ name, ...first })];
  throw new SerError('ModelError', `cannot export layer ${name} (${cls}): no stock equivalent`);
}

/** Give a built stock LSTM back Keras's default recurrent initializer, for its saved config. */
function withDefaultInitializer(layer: Layer): void {
  if (layer.getClassName() !== 'LSTM') return;
  const cell = (layer as unknown as { cell: Record<string, unknown> }).cell;
  cell['recurrentInitializer'] = tf.initializers.orthogonal({ gain: 1 });
}

/** Stock class names of a model's layers, in order (for the export's summary). */
export function layerClasses(model: tf.LayersModel): string[] {
  return model.layers.map((l) => l.getClassName());
}

/**
 * A new Sequential model of stock layers computing what `model` computes (inference), with the
 * same weights. `model` is one of ours (build.ts): a Sequential whose first layer knows its input.
 */
export function toStockModel(model: tf.LayersModel): tf.LayersModel {
  const inputShape = model.inputs[0]?.shape;
  if (!inputShape) throw new SerError('ModelError', 'cannot export a model without an input');
  const stock = tf.sequential({ name: `${model.name}_stock` });
  const pairs: Array<[Layer, Layer]> = [];
  model.layers.forEach((layer, i) => {
    const first = i === 0 ? { batchInputShape: inputShape } : {};
    const made = stockFor(layer, first);
    for (const s of made) {
      stock.add(s);
      withDefaultInitializer(s);
    }
    pairs.push([layer, made[0]!]);
  });
  for (const [ours, theirs] of pairs) {
    const w = ours.getWeights();
    const want = theirs.getWeights();
    if (w.length !== want.length) {
      stock.dispose();
      throw new SerError(
        'ModelError',
        `layer ${ours.name}: ${w.length} weights, the stock layer has ${want.length}`,
      );
    }
    want.forEach((t, j) => {
      if (t.shape.join(',') !== w[j]!.shape.join(',')) {
        stock.dispose();
        throw new SerError(
          'ModelError',
          `layer ${ours.name}: weight ${j} is [${w[j]!.shape.join(', ')}], the stock layer's [${t.shape.join(', ')}]`,
        );
      }
    });
    if (w.length) theirs.setWeights(w);
  }
  return stock;
}
