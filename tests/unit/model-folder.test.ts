import { mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FEATURE_CONFIG } from '../../src/shared/features.js';
import { SerError } from '../../src/shared/errors.js';
import type { ModelConfig } from '../../src/shared/training.js';
import { initBackend } from '../../src/main/model/backend.js';
import { buildModel } from '../../src/main/model/build.js';
import {
  loadModelFolder,
  loadModelParts,
  MODEL_FORMAT_VERSION,
  saveModelFolder,
  type ModelMeta,
} from '../../src/main/model/folder.js';
import { MLP_BASELINE, MODEL_PRESETS } from '../../src/main/model/presets.js';
import { tf, type Tensor } from '../../src/main/model/tf.js';

const CFG: ModelConfig = {
  ...MODEL_PRESETS.seed.model,
  frames: 32,
  batchNorm: true,
  convDropout: 'channel',
  denseUnits: 8,
  lstmPooling: 'mean',
};
const INPUT = { frames: 32, width: 10, pooled: false };
const LABELS = ['angry', 'calm', 'happy', 'sad'];

function meta(overrides: Partial<ModelMeta> = {}): ModelMeta {
  return {
    formatVersion: MODEL_FORMAT_VERSION,
    labels: LABELS,
    featureConfig: DEFAULT_FEATURE_CONFIG,
    modelConfig: CFG,
    input: INPUT,
    normalization: { mean: Array(10).fill(0.5), std: Array(10).fill(2) },
    backend: 'wasm',
    createdAt: new Date(0).toISOString(),
    seed: 3,
    ...overrides,
  };
}

async function expectModelError(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SerError);
  expect((err as SerError).code).toBe('ModelError');
  expect((err as SerError).message).toMatch(pattern);
}

describe('model folders', () => {
  let root = '';
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ser-model-'));
    await initBackend('wasm');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('round-trips a trained CNN-LSTM with every layer kind: same predictions, same meta', async () => {
    const model = buildModel(CFG, INPUT, LABELS.length, 1);
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const x = tf.randomNormal([8, 32, 10], 0, 1, 'float32', 4);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32'), 4);
    await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 }); // moves batch-norm statistics off their init
    const before = (model.predict(x) as Tensor).dataSync();
    const dir = join(root, 'cnn');
    await saveModelFolder(dir, model, meta({ metrics: { accuracy: 0.5 } }));
    expect((await readdir(dir)).sort()).toEqual(['meta.json', 'model.json', 'weights.bin']);
    expect((await readdir(root)).filter((f) => f.startsWith('.'))).toEqual([]);

    const { model: loaded, meta: back } = await loadModelFolder(dir);
    expect(back).toEqual(meta({ metrics: { accuracy: 0.5 } }));
    const after = (loaded.predict(x) as Tensor).dataSync();
    expect(Array.from(after)).toEqual(Array.from(before));
    expect(loaded.layers.map((l) => l.getClassName())).toContain('SerLSTM');
  });

  it('round-trips the MLP and replaces an existing folder whole', async () => {
    const dir = join(root, 'mlp');
    const input = { frames: 1, width: 12, pooled: true };
    const m = meta({
      modelConfig: MLP_BASELINE,
      input,
      normalization: { mean: Array(12).fill(0), std: Array(12).fill(1) },
    });
    await saveModelFolder(dir, buildModel(MLP_BASELINE, input, 4, 1), m);
    const second = buildModel(MLP_BASELINE, input, 4, 2);
    await saveModelFolder(dir, second, { ...m, seed: 2 });
    const { model, meta: back } = await loadModelFolder(dir);
    expect(back.seed).toBe(2);
    const x = tf.randomNormal([3, 12], 0, 1, 'float32', 1);
    expect(Array.from((model.predict(x) as Tensor).dataSync())).toEqual(
      Array.from((second.predict(x) as Tensor).dataSync()),
    );
  });

  it('saves an ensemble as members/N beside the main model and loads every member back', async () => {
    const dir = join(root, 'ensemble');
    const pooled = { frames: 1, width: 20, pooled: true };
    const mlpMeta = meta({
      modelConfig: MLP_BASELINE,
      input: pooled,
      normalization: { mean: Array(20).fill(1), std: Array(20).fill(3) },
    });
    const cnn = buildModel(CFG, INPUT, 4, 1);
    const mlp = buildModel(MLP_BASELINE, pooled, 4, 2);
    await saveModelFolder(dir, cnn, meta(), [{ model: mlp, meta: mlpMeta }]);
    expect((await readdir(dir)).sort()).toEqual(['members', 'meta.json', 'model.json', 'weights.bin']);
    expect((await readdir(join(dir, 'members', '1'))).sort()).toEqual([
      'meta.json',
      'model.json',
      'weights.bin',
    ]);

    // The folder alone is still a complete model: a reader that ignores `ensemble` gets the CNN-LSTM.
    const main = await loadModelFolder(dir);
    expect(main.meta.ensemble).toEqual(['members/1']);
    const parts = await loadModelParts(dir);
    expect(parts.map((p) => p.meta.modelConfig.kind)).toEqual(['cnn-lstm', 'mlp']);
    expect(parts[1]!.meta.normalization.std[0]).toBe(3);
    const x = tf.randomNormal([2, 20], 0, 1, 'float32', 5);
    expect(Array.from((parts[1]!.model.predict(x) as Tensor).dataSync())).toEqual(
      Array.from((mlp.predict(x) as Tensor).dataSync()),
    );

    // A member that is gone or disagrees on labels is named, and nothing stays loaded.
    await rm(join(dir, 'members', '1', 'weights.bin'));
    await expectModelError(loadModelParts(dir), /members\/1: missing weights\.bin/);
    await saveModelFolder(dir, cnn, meta(), [{ model: mlp, meta: mlpMeta }]);
    const raw = JSON.parse(await readFile(join(dir, 'members', '1', 'meta.json'), 'utf8'));
    await writeFile(
      join(dir, 'members', '1', 'meta.json'),
      JSON.stringify({ ...raw, labels: ['a', 'b', 'c', 'd'] }),
    );
    await expectModelError(loadModelParts(dir), /ensemble member members\/1 has other labels or features/);
    const top = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8'));
    await writeFile(join(dir, 'meta.json'), JSON.stringify({ ...top, ensemble: ['../elsewhere'] }));
    await expectModelError(
      loadModelParts(dir),
      /meta\.json: ensemble\.0: ensemble members are folders members\/1/,
    );
    // Members must agree with the model's labels when saved, too.
    await expectModelError(
      saveModelFolder(join(root, 'mixed'), cnn, meta(), [
        { model: buildModel(MLP_BASELINE, pooled, 3, 2), meta: { ...mlpMeta, labels: ['a', 'b', 'c'] } },
      ]),
      /ensemble member 1 has labels a,b,c/,
    );
  });

  it('names the folder and the problem when something is wrong', async () => {
    const good = join(root, 'good');
    await saveModelFolder(good, buildModel(CFG, INPUT, 4, 1), meta());
    await expectModelError(loadModelFolder(join(root, 'nope')), /nope: not found/);

    const copy = async (name: string) => {
      const dir = join(root, name);
      await saveModelFolder(dir, buildModel(CFG, INPUT, 4, 1), meta());
      return dir;
    };
    const noWeights = await copy('no-weights');
    await unlink(join(noWeights, 'weights.bin'));
    await expectModelError(loadModelFolder(noWeights), /no-weights: missing weights\.bin/);

    const shortWeights = await copy('short-weights');
    await writeFile(join(shortWeights, 'weights.bin'), new Uint8Array(16));
    await expectModelError(loadModelFolder(shortWeights), /weights are 16 bytes/);

    const badMeta = await copy('bad-meta');
    const raw = JSON.parse(await readFile(join(badMeta, 'meta.json'), 'utf8'));
    await writeFile(join(badMeta, 'meta.json'), JSON.stringify({ ...raw, labels: 'angry' }));
    await expectModelError(loadModelFolder(badMeta), /bad-meta: meta\.json: labels: /);

    await writeFile(join(badMeta, 'meta.json'), JSON.stringify({ ...raw, formatVersion: 99 }));
    await expectModelError(loadModelFolder(badMeta), /format 99, newer/);

    await writeFile(
      join(badMeta, 'meta.json'),
      JSON.stringify({ ...raw, input: { ...raw.input, frames: 64 } }),
    );
    await expectModelError(
      loadModelFolder(badMeta),
      /shape mismatch: the model takes \[32, 10\] but meta\.json says \[64, 10\]/,
    );

    await writeFile(join(badMeta, 'meta.json'), JSON.stringify({ ...raw, labels: ['a', 'b', 'c'] }));
    await expectModelError(loadModelFolder(badMeta), /4 outputs but meta\.json lists 3 labels/);

    await writeFile(join(badMeta, 'model.json'), 'not json');
    await writeFile(join(badMeta, 'meta.json'), JSON.stringify(raw));
    await expectModelError(loadModelFolder(badMeta), /model\.json is not valid JSON/);

    await expectModelError(
      saveModelFolder(
        join(root, 'x'),
        buildModel(CFG, INPUT, 4, 1),
        meta({ normalization: { mean: [0], std: [1] } }),
      ),
      /normalization has 1 means/,
    );
  });
});
