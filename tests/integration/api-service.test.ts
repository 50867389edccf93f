/**
 * The service behind both adapters, called as the UI calls it, on real RAVDESS clips and a real
 * SQLite store: previews, dataset scan, presets, settings, runs export/import and delete.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainConfigSchema, FeatureConfigSchema } from '../../src/shared/contract.js';
import { SerError } from '../../src/shared/errors.js';
import { createService } from '../../src/main/api/service.js';
import type { Service } from '../../src/main/api/types.js';
import { decodeBuffer } from '../../src/main/audio/decode.js';
import { defaultModelDir } from '../../src/main/inference/model-ref.js';
import { openStore } from '../../src/main/store/index.js';
import { HAVE_RAVDESS, MISSING_DATA, RAVDESS_16K, ravdessClip } from '../helpers/shared-data.js';

let dir: string;
let service: Service;

async function makeService(name: string, allowedRoots: string[]): Promise<Service> {
  return createService({
    dbPath: join(dir, name, 'ser.sqlite'),
    modelsDir: join(dir, name, 'models'),
    settingsPath: join(dir, name, 'settings.json'),
    cacheDir: null,
    allowedRoots,
    platform: 'web',
  });
}

async function rejection(p: Promise<unknown>): Promise<SerError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SerError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ser-api-'));
  mkdirSync(join(dir, 'empty'));
  service = await makeService('a', HAVE_RAVDESS ? [RAVDESS_16K, join(dir, 'empty')] : [join(dir, 'empty')]);
});

afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('api: presets and settings', () => {
  it('presets.get gives a valid default TrainConfig and valid presets', async () => {
    const p = await service.call('presets.get', undefined);
    expect(TrainConfigSchema.safeParse(p.defaults).success).toBe(true);
    expect(p.defaults.labels).toEqual(['calm', 'happy', 'fearful', 'disgust', 'angry', 'sad']);
    expect(p.model.map((m) => m.id)).toEqual(expect.arrayContaining(['fast', 'seed', 'best']));
    for (const m of p.model) expect(TrainConfigSchema.safeParse(m.config).success, m.id).toBe(true);
    expect(p.features.length).toBeGreaterThan(1);
    for (const f of p.features) expect(FeatureConfigSchema.safeParse(f.config).success, f.id).toBe(true);
  });

  it('settings survive a restart of the service', async () => {
    await service.call('settings.set', { window: { width: 1500, height: 950 } });
    const again = await makeService('a', []);
    expect((await again.call('settings.get', undefined)).window).toEqual({ width: 1500, height: 950 });
    await again.close();
  });

  it('validation errors name the method and the field', async () => {
    const e = await rejection(service.call('features.preview', { path: '/x.wav', config: { nMfcc: 0 } }));
    expect(e.code).toBe('ValidationError');
    expect(e.message).toMatch(/^features\.preview: config\.nMfcc: /);
    const both = await rejection(service.call('features.preview', {}));
    expect(both.message).toContain('exactly one of path or file');
  });

  it('train.start checks the feature config with the engine’s rules, before any job starts', async () => {
    const { defaults } = await service.call('presets.get', undefined);
    const start = (patch: object) =>
      rejection(
        service.call('train.start', {
          root: join(dir, 'empty'),
          config: { ...defaults, features: { ...defaults.features, ...patch } },
          name: 'bad features',
        }),
      );
    expect((await start({ nFft: 1000 })).message).toBe(
      'train.start: config.features.nFft: must be a power of two',
    );
    expect((await start({ nMfcc: 200 })).message).toBe(
      'train.start: config.features.nMfcc: must not exceed nMels (128)',
    );
    expect((await start({ nfft: 512 })).message).toMatch(/^train\.start: config\.features: .*nfft/);
    expect(await service.call('train.jobs', undefined)).toEqual([]);
  });
});

describe.skipIf(!HAVE_RAVDESS)(
  `api: audio previews and dataset scan ${HAVE_RAVDESS ? '' : MISSING_DATA}`,
  () => {
    const clip = () => ravdessClip(1, '03-01-05-01-01-01-01.wav');

    it('features.preview gives [coefficient][frame] blocks per feature', async () => {
      const p = await service.call('features.preview', { path: clip() });
      expect(p.config.sampleRate).toBe(16000);
      expect(p.features.mfcc).toHaveLength(40);
      expect(p.features.logmel).toHaveLength(128);
      expect(p.features.chroma).toHaveLength(12);
      expect(p.features.contrast).toHaveLength(7);
      for (const rows of Object.values(p.features))
        for (const row of rows) expect(row).toHaveLength(p.frames);
      // hop 512 at 16 kHz, centred frames: 1 + floor(samples / 512)
      expect(p.frames).toBe(1 + Math.floor((p.duration * 16000) / 512));
      expect(p.truncated).toBe(false);
    });

    it('features.preview of uploaded bytes equals the preview of the path; config is honoured', async () => {
      const bytes = new Uint8Array(readFileSync(clip()));
      const cfg = { features: ['mfcc' as const], nMfcc: 13, deltas: 1 as const };
      const a = await service.call('features.preview', { path: clip(), config: cfg });
      const b = await service.call('features.preview', { file: { name: 'x.wav', bytes }, config: cfg });
      expect(Object.keys(a.features).sort()).toEqual(['d1:mfcc', 'mfcc']);
      expect(a.features.mfcc).toHaveLength(13);
      expect(b.features).toEqual(a.features);
    });

    it('features.preview refuses an inconsistent config with the field named', async () => {
      const e = await rejection(service.call('features.preview', { path: clip(), config: { nFft: 1000 } }));
      expect(e.code).toBe('ValidationError');
      expect(e.message).toContain('nFft');
    });

    it('augment.preview returns playable WAVs, deterministic for a seed', async () => {
      const a = await service.call('augment.preview', {
        path: clip(),
        kinds: ['pitch', 'stretch', 'noise'],
        seed: 7,
      });
      const original = await decodeBuffer(a.original, 'original.wav');
      expect(original.sampleRate).toBe(16000);
      expect(a.variants.map((v) => v.kind)).toEqual(['pitch', 'stretch', 'noise']);
      for (const v of a.variants) {
        const d = await decodeBuffer(v.wav, `${v.kind}.wav`);
        expect(d.sampleRate).toBe(16000);
        expect(d.duration).toBeGreaterThan(original.duration * 0.7);
        expect(v.description.length).toBeGreaterThan(3);
      }
      const b = await service.call('augment.preview', {
        path: clip(),
        kinds: ['pitch', 'stretch', 'noise'],
        seed: 7,
      });
      expect(b.variants.map((v) => Buffer.from(v.wav).toString('base64'))).toEqual(
        a.variants.map((v) => Buffer.from(v.wav).toString('base64')),
      );
      const c = await service.call('augment.preview', { path: clip(), kinds: ['noise'], seed: 8 });
      expect(Buffer.from(c.variants[0]!.wav).equals(Buffer.from(a.variants[2]!.wav))).toBe(false);
    });

    it('dataset.scan reads a RAVDESS actor folder and remembers it', async () => {
      const root = join(RAVDESS_16K, 'Actor_01');
      const scan = await service.call('dataset.scan', { root });
      expect(scan.corpora.map((c) => c.detection.format)).toEqual(['ravdess']);
      expect(scan.items).toHaveLength(60);
      expect(scan.countsBySpeaker).toEqual({ '01': 60 });
      expect((await service.call('settings.get', undefined)).lastDatasetFolder).toBe(root);
      const picked = await service.call('dataset.scan', { root, labels: ['angry', 'sad'] });
      expect(Object.keys(picked.countsByLabel).sort()).toEqual(['angry', 'sad']);
    });

    it('audio.read returns the file bytes', async () => {
      const f = await service.call('audio.read', { path: clip() });
      expect(Buffer.from(f.bytes).equals(readFileSync(clip()))).toBe(true);
    });

    it('loads a model folder only from inside the allowed folders (classify, evaluate, export)', async () => {
      // The bundled model copied to a folder nobody allowed, and into an allowed one.
      const outside = join(dir, 'not-allowed', 'model');
      const inside = join(dir, 'empty', 'model');
      for (const to of [outside, inside]) cpSync(defaultModelDir(), to, { recursive: true });
      const files = [{ name: 'x.wav', bytes: new Uint8Array(readFileSync(clip())) }];
      for (const call of [
        service.call('classify', { files, modelRunId: outside }),
        service.call('evaluate.start', { modelRunId: outside, root: join(RAVDESS_16K, 'Actor_01') }),
        service.call('models.export', { model: outside }),
      ]) {
        const e = await rejection(call);
        expect(e.message).toMatch(/^path outside the folders you chose: /);
      }
      const ok = await service.call('classify', { files, modelRunId: inside });
      expect(ok.model.path).toBe(inside);
      expect(ok.results[0]!.ok).toBe(true);
      rmSync(inside, { recursive: true });
    });

    it('dataset.scan of an empty allowed folder gives a clear error', async () => {
      const e = await rejection(service.call('dataset.scan', { root: join(dir, 'empty') }));
      expect(e.code).toBe('DatasetError');
    });
  },
);

describe('api: runs export, import, delete', () => {
  async function seedRun(svc: Service, dbDir: string): Promise<string> {
    const { defaults } = await svc.call('presets.get', undefined);
    const store = openStore(join(dbDir, 'ser.sqlite'));
    const id = store.createRun({
      name: 'Tiny run / test',
      config: defaults,
      backend: 'cpu',
      dataset: { root: '/data', hash: 'abc', countsByLabel: { angry: 2 }, countsBySpeaker: { '01': 2 } },
    });
    const modelDir = join(dbDir, 'models', id);
    mkdirSync(modelDir, { recursive: true });
    writeFileSync(join(modelDir, 'model.json'), '{"fake":true}');
    writeFileSync(join(modelDir, 'weights.bin'), Buffer.alloc(3000, 7));
    store.finishRun(id, { status: 'completed', artifacts: [{ kind: 'model', path: modelDir }] });
    store.close();
    return id;
  }

  it('exports a run as a .tar.gz that tar can list and another store can import', async () => {
    const id = await seedRun(service, join(dir, 'a'));
    const exp = await service.call('runs.export', { id });
    expect(exp.fileName).toMatch(new RegExp(`^tiny-run-test-${id.slice(0, 8)}\\.ser-run\\.tar\\.gz$`));
    const file = join(dir, exp.fileName);
    writeFileSync(file, exp.bytes);
    const listing = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' });
    expect(listing).toContain('/run.json');
    expect(listing).toContain('/model/weights.bin');

    const other = await makeService('b', []);
    try {
      const imported = await other.call('runs.import', { file: { name: exp.fileName, bytes: exp.bytes } });
      expect(imported.id).toBe(id);
      const run = await other.call('runs.get', { id });
      const model = run.artifacts[0]!;
      expect(model.path.startsWith(join(dir, 'b', 'models'))).toBe(true);
      expect(readFileSync(join(model.path, 'weights.bin'))).toEqual(Buffer.alloc(3000, 7));
      const again = await rejection(
        other.call('runs.import', { file: { name: exp.fileName, bytes: exp.bytes } }),
      );
      expect(again.message).toContain('already');
    } finally {
      await other.close();
    }
  });

  it('refuses an import that is not an export', async () => {
    const e = await rejection(
      service.call('runs.import', { file: { name: 'x.tar.gz', bytes: new Uint8Array([1, 2, 3]) } }),
    );
    expect(e.code).toBe('ValidationError');
  });

  it('lists run models, and deleting the chosen one falls back to the default model', async () => {
    const id = await seedRun(service, join(dir, 'a'));
    expect((await service.call('models.list', undefined)).map((m) => m.id)).toContain(id);
    await service.call('settings.set', { modelRunId: id });
    await service.call('runs.delete', { id });
    expect((await service.call('settings.get', undefined)).modelRunId).toBeNull();
    expect(existsSync(join(dir, 'a', 'models', id))).toBe(false);
    const e = await rejection(service.call('runs.get', { id }));
    expect(e.code).toBe('NotFound');
  });
});
