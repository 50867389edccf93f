/**
 * Loaded classifiers, kept between calls (loading a model costs far more than classifying a
 * clip): the bundled default model and the last few runs' models.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Prediction } from '../../shared/training.js';
import type { RunStore } from '../store/index.js';
import type { ModelMeta } from '../model/folder.js';
import { calibrationFrom, expectsCalibration, type SpeakerCalibration } from '../inference/calibration.js';
import { modelRefNeedsStore, resolveModelRef } from '../inference/model-ref.js';
import {
  ClipMemo,
  classify,
  disposeClassifier,
  loadClassifier,
  type Classifier,
} from '../inference/predict.js';

const KEEP = 3;

export interface LoadedModel {
  /** The model folder, and the run that saved it when it was named by a run id. */
  dir: string;
  runId: string | null;
  labels: string[];
  /** Rate the model's features are computed at: decode to it. */
  sampleRate: number;
  /** Trained with per-speaker normalisation: calibrate with the speaker's clips. */
  expectsCalibration: boolean;
  /** A speaker's calibration from its clips (decoded at `sampleRate`). */
  calibrate(clips: Float32Array[]): SpeakerCalibration;
  classify(samples: Float32Array, name: string, calibration?: SpeakerCalibration | null): Promise<Prediction>;
}

export interface DefaultModelInfo {
  labels: string[];
  path: string;
  accuracy: number | null;
  /** Trained with per-speaker normalisation. */
  expectsCalibration: boolean;
}

/**
 * A loaded classifier and the calls using it: eviction or forget() only retires it, and its
 * tensors are freed when the last call using it ends, so a concurrent call never finds its model
 * disposed under it.
 */
class Entry {
  private active = 0;
  private retired = false;

  constructor(readonly model: Promise<Classifier>) {}

  async run<T>(f: (c: Classifier) => Promise<T>): Promise<T> {
    const c = await this.model;
    this.active++;
    try {
      return await f(c);
    } finally {
      this.active--;
      this.disposeIfIdle();
    }
  }

  retire(): void {
    this.retired = true;
    this.disposeIfIdle();
  }

  private disposeIfIdle(): void {
    if (this.retired && this.active === 0) void this.model.then(disposeClassifier, () => undefined);
  }
}

export class ClassifierCache {
  private loaded = new Map<string, Entry>();
  private defaultInfoCache: Promise<DefaultModelInfo | null> | null = null;

  /** `store`: the run store, or how to open it (only a run id's model needs it). */
  constructor(private readonly opts: { store: RunStore | (() => RunStore); defaultModelDir: string }) {}

  /**
   * Run `f` with a loaded model. The model stays usable for the whole of `f` (which may await
   * decoding between classifications) even if another call evicts or forgets it meanwhile.
   */
  async use<T>(runId: string | null, f: (model: LoadedModel) => Promise<T>): Promise<T> {
    const key = runId ?? 'default';
    let entry = this.loaded.get(key);
    if (!entry) {
      const loading = new Entry(this.load(runId));
      entry = loading;
      this.loaded.set(key, loading);
      // Forget only this failed load, not one started after it (forget() and use() in between).
      loading.model.catch(() => {
        if (this.loaded.get(key) === loading) this.loaded.delete(key);
      });
      this.evict();
    } else {
      // Most recently used last.
      this.loaded.delete(key);
      this.loaded.set(key, entry);
    }
    return entry.run((c) => {
      const memo = new ClipMemo(c.meta.featureConfig);
      return f({
        dir: c.dir,
        runId: c.runId,
        labels: c.labels,
        sampleRate: c.meta.featureConfig.sampleRate,
        expectsCalibration: expectsCalibration(c.meta),
        calibrate: (clips) =>
          calibrationFrom(
            clips.map((x) => memo.features(x)),
            clips.reduce((a, x) => a + x.length, 0) / c.meta.featureConfig.sampleRate,
          ),
        classify: (samples, name, calibration) =>
          classify(
            c,
            { samples, sampleRate: c.meta.featureConfig.sampleRate, name, memo },
            calibration ?? null,
          ),
      });
    });
  }

  private async load(runId: string | null): Promise<Classifier> {
    const { store } = this.opts;
    const { dir, runId: resolved } = resolveModelRef(runId, {
      store: !modelRefNeedsStore(runId) ? null : typeof store === 'function' ? store() : store,
      defaultDir: this.opts.defaultModelDir,
    });
    // A run's model keeps its run id (a prefix given resolves to the full id).
    return { ...(await loadClassifier(dir)), runId: resolved };
  }

  private evict(): void {
    while (this.loaded.size > KEEP) {
      const [key, entry] = this.loaded.entries().next().value as [string, Entry];
      this.loaded.delete(key);
      entry.retire();
    }
  }

  forget(runId: string): void {
    const entry = this.loaded.get(runId);
    if (!entry) return;
    this.loaded.delete(runId);
    entry.retire();
  }

  clear(): void {
    for (const entry of this.loaded.values()) entry.retire();
    this.loaded.clear();
  }

  /** Labels and recorded accuracy of the bundled model, from its meta.json (no model load). */
  defaultInfo(): Promise<DefaultModelInfo | null> {
    this.defaultInfoCache ??= (async () => {
      const path = this.opts.defaultModelDir;
      try {
        const meta = JSON.parse(await readFile(join(path, 'meta.json'), 'utf8')) as ModelMeta;
        if (!Array.isArray(meta.labels)) return null;
        const acc = meta.metrics?.['accuracy'] ?? meta.metrics?.['testAccuracy'];
        return {
          labels: meta.labels.map(String),
          path,
          accuracy: typeof acc === 'number' ? acc : null,
          expectsCalibration: expectsCalibration(meta),
        };
      } catch {
        return null;
      }
    })();
    const p = this.defaultInfoCache;
    // Remember only a model that is there: one trained while the app runs shows up on the next call.
    void p.then((v) => {
      if (!v && this.defaultInfoCache === p) this.defaultInfoCache = null;
    });
    return p;
  }
}
