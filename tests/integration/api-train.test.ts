/**
 * Training through the API as the wizard does it: train.start on a small RAVDESS subset (two
 * emotions, two actors, a tiny model), events streamed until `done`, the run listed with its
 * model, classification with that model (a bad file gets its own error entry), and a cancel.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainEventMessage } from '../../src/shared/contract.js';
import { SerError } from '../../src/shared/errors.js';
import type { TrainConfig, TrainEvent } from '../../src/shared/training.js';
import { createService } from '../../src/main/api/service.js';
import { openStore } from '../../src/main/store/index.js';
import type { Service } from '../../src/main/api/types.js';
import { HAVE_RAVDESS, MISSING_DATA, RAVDESS_16K } from '../helpers/shared-data.js';

let dir: string;
let data: string;
let service: Service;
const events: TrainEventMessage[] = [];

/** angry (05) and calm (02) clips of actors 1 and 2: 32 files. */
function makeSubset(to: string): void {
  for (const actor of ['Actor_01', 'Actor_02']) {
    mkdirSync(join(to, actor), { recursive: true });
    for (const f of readdirSync(join(RAVDESS_16K, actor))) {
      if (/^03-01-0[25]-/.test(f)) copyFileSync(join(RAVDESS_16K, actor, f), join(to, actor, f));
    }
  }
}

async function tinyConfig(epochs: number): Promise<TrainConfig> {
  const { defaults } = await service.call('presets.get', undefined);
  return {
    ...defaults,
    labels: ['angry', 'calm'],
    features: { ...defaults.features, features: ['mfcc'], nMfcc: 13, nMels: 40 },
    augment: { ...defaults.augment, kinds: [], copiesPerClip: 0 },
    // A tiny CNN-LSTM (the default recipe is an MLP; this keeps the sequence model's path tested).
    model: {
      ...defaults.model,
      kind: 'cnn-lstm',
      frames: 32,
      convFilters: [8],
      convKernels: [3],
      poolSizes: [2],
      lstmUnits: 8,
      denseUnits: 0,
    },
    optimizer: { ...defaults.optimizer, epochs, batchSize: 8, patience: epochs },
    split: { kind: 'random', testFraction: 0.25, valFraction: 0.2 },
    // A model that needs no calibration (the default recipe's per-speaker one is tested in cli-calibrate).
    normalization: 'global',
    seed: 3,
    // One model: an ensemble's MLP would add its own 100 epochs.
    ensemble: [],
  };
}

function waitFor(jobId: string, pred: (e: TrainEvent) => boolean, timeoutMs = 120_000): Promise<TrainEvent> {
  return new Promise((resolve, reject) => {
    const seen = events.find((m) => m.jobId === jobId && pred(m.event));
    if (seen) return resolve(seen.event);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching event for job ${jobId} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = service.on('train.event', (m) => {
      if (m.jobId === jobId && pred(m.event)) {
        clearTimeout(timer);
        off();
        resolve(m.event);
      }
    });
  });
}

const isEnd = (e: TrainEvent) => e.type === 'done' || e.type === 'error' || e.type === 'cancelled';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ser-train-api-'));
  data = join(dir, 'data');
  if (HAVE_RAVDESS) makeSubset(data);
  else mkdirSync(data);
  service = await createService({
    dbPath: join(dir, 'db', 'ser.sqlite'),
    modelsDir: join(dir, 'db', 'models'),
    settingsPath: join(dir, 'db', 'settings.json'),
    cacheDir: join(dir, 'db', 'cache'),
    allowedRoots: [data],
    platform: 'web',
  });
  service.on('train.event', (m) => events.push(m));
});

afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!HAVE_RAVDESS)(
  `api: training through the service ${HAVE_RAVDESS ? '' : MISSING_DATA}`,
  () => {
    let runId = '';

    it('refuses a bad config or a folder outside the chosen ones before starting', async () => {
      const config = await tinyConfig(1);
      await expect(
        service.call('train.start', {
          root: data,
          name: 'x',
          config: { ...config, features: { ...config.features, nFft: 1000 } },
        }),
      ).rejects.toThrow(/nFft/);
      const outside = await service
        .call('train.start', { root: tmpdir(), name: 'x', config })
        .catch((e: SerError) => e);
      expect(outside).toBeInstanceOf(SerError);
      expect((outside as SerError).message).toContain('outside the folders you chose');
    });

    it('trains a tiny model, streaming progress until done', async () => {
      const { jobId } = await service.call('train.start', {
        root: data,
        name: 'tiny api run',
        config: await tinyConfig(2),
        tags: ['test'],
      });
      const end = await waitFor(jobId, isEnd);
      if (end.type === 'error') throw new Error(`training failed: ${end.message}`);
      expect(end.type).toBe('done');
      if (end.type !== 'done') return;
      runId = end.runId;
      const mine = events.filter((m) => m.jobId === jobId).map((m) => m.event);
      expect(mine.find((e) => e.type === 'started')).toMatchObject({ runId, labels: ['angry', 'calm'] });
      expect(mine.filter((e) => e.type === 'epoch')).toHaveLength(2);
      expect(end.evaluation.confusion).toHaveLength(2);

      const jobs = await service.call('train.jobs', undefined);
      const job = jobs.find((j) => j.jobId === jobId)!;
      expect(job).toMatchObject({ status: 'done', runId, name: 'tiny api run', root: data });
      expect(job.events.some((e) => e.type === 'batch')).toBe(false);

      const runs = await service.call('runs.list', { tag: 'test' });
      expect(runs.map((r) => [r.id, r.status])).toEqual([[runId, 'completed']]);
      expect((await service.call('models.list', undefined)).map((m) => m.id)).toContain(runId);
    });

    it("classifies uploaded bytes with the run's model; a bad file gets an error entry, the others still classify", async () => {
      expect(runId).not.toBe('');
      const good = readFileSync(join(data, 'Actor_01', '03-01-05-01-01-01-01.wav'));
      const r = await service.call('classify', {
        modelRunId: runId,
        files: [
          { name: 'angry.wav', bytes: new Uint8Array(good) },
          { name: 'notes.txt', bytes: new TextEncoder().encode('not audio at all') },
          {
            name: 'calm.wav',
            bytes: new Uint8Array(readFileSync(join(data, 'Actor_02', '03-01-02-01-01-01-02.wav'))),
          },
        ],
      });
      expect(r.model).toEqual({
        runId,
        labels: ['angry', 'calm'],
        expectsCalibration: false,
        // The run's saved model folder (ser infer names it).
        path: expect.stringContaining(runId) as unknown as string,
      });
      expect(r.calibration).toBeNull();
      const [a, bad, c] = r.results;
      expect(a?.ok && ['angry', 'calm'].includes(a.prediction.label)).toBe(true);
      if (a?.ok) {
        const sum = Object.values(a.prediction.probabilities).reduce((s, p) => s + p, 0);
        expect(sum).toBeCloseTo(1, 4);
        expect(a.prediction.duration).toBeGreaterThan(2);
      }
      expect(bad).toMatchObject({ ok: false, name: 'notes.txt', error: { code: 'DecodeError' } });
      expect(c?.ok).toBe(true);
    });

    it('cancels a running job and records the run as cancelled', async () => {
      const { jobId } = await service.call('train.start', {
        root: data,
        name: 'to cancel',
        config: await tinyConfig(200),
      });
      await waitFor(jobId, (e) => e.type === 'epoch' || isEnd(e));
      await expect(
        service.call('train.start', { root: data, name: 'second', config: await tinyConfig(1) }),
      ).rejects.toThrow(/already training 'to cancel'/);
      expect((await service.call('train.cancel', { jobId })).cancelled).toBe(true);
      const end = await waitFor(jobId, isEnd, 60_000);
      expect(end.type).toBe('cancelled');
      const job = (await service.call('train.jobs', undefined)).find((j) => j.jobId === jobId)!;
      expect(job.status).toBe('cancelled');
      expect((await service.call('runs.get', { id: job.runId! })).status).toBe('cancelled');
      expect((await service.call('train.cancel', { jobId })).cancelled).toBe(false);
    });

    it('closing the service (Ctrl-C in `ser serve`, quitting the app) cancels a running job and records it', async () => {
      const other = await createService({
        dbPath: join(dir, 'db2', 'ser.sqlite'),
        modelsDir: join(dir, 'db2', 'models'),
        settingsPath: join(dir, 'db2', 'settings.json'),
        cacheDir: join(dir, 'db', 'cache'),
        allowedRoots: [data],
        platform: 'web',
      });
      const epoch = new Promise<void>((resolve) =>
        other.on('train.event', (m) => {
          if (m.event.type === 'epoch') resolve();
        }),
      );
      await other.call('train.start', { root: data, name: 'closing', config: await tinyConfig(200) });
      await epoch;
      await other.close();
      const store = openStore(join(dir, 'db2', 'ser.sqlite'));
      try {
        expect(store.listRuns({}).map((r) => [r.name, r.status])).toEqual([['closing', 'cancelled']]);
      } finally {
        store.close();
      }
      await expect(other.call('app.info', undefined)).rejects.toThrow(/shutting down/);
    });
  },
);
