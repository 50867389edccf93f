/**
 * Runs and models: the store's API as the contract exposes it, plus export/import as one
 * .tar.gz file (run-archive.ts, the same format `ser runs export` writes).
 */
import { existsSync } from 'node:fs';
import type { ExportedFile, ModelInfo, ParsedArgsOf } from '../../shared/contract.js';
import type { RunComparison, RunFilter, RunRecord, RunSummary } from '../../shared/runs.js';
import type { RunStore } from '../store/index.js';
import type { AudioMethods } from './audio-methods.js';
import type { EventHub } from './events.js';
import type { SettingsFile } from './settings-file.js';
import { exportRunArchive, importRunArchive } from './run-archive.js';

export { EXPORT_SUFFIX } from './run-archive.js';
/** models.list looks at this many recent completed runs. */
const MODELS_LIST_LIMIT = 500;

export interface RunMethodsOptions {
  store: RunStore;
  hub: EventHub;
  settings: SettingsFile;
  audio: AudioMethods;
  defaultModelDir: string;
}

function summary(r: RunRecord): RunSummary {
  const { id, name, tags, status, createdAt, finishedAt, backend, labels, accuracy, macroF1, uar, epochs } =
    r;
  const split = r.config.split;
  return {
    id,
    name,
    tags,
    status,
    createdAt,
    finishedAt,
    backend,
    labels,
    accuracy,
    macroF1,
    uar,
    epochs,
    split,
  };
}

export function createRunMethods(opts: RunMethodsOptions) {
  const { store, hub } = opts;

  return {
    async list(filter: RunFilter): Promise<RunSummary[]> {
      return store.listRuns(filter);
    },
    async get({ id }: ParsedArgsOf<'runs.get'>): Promise<RunRecord> {
      return store.getRun(id);
    },
    async compare({ ids }: ParsedArgsOf<'runs.compare'>): Promise<RunComparison> {
      return store.compareRuns(ids);
    },
    async update({ id, ...patch }: ParsedArgsOf<'runs.update'>): Promise<RunRecord> {
      const run = store.updateRun(id, patch);
      hub.emit('runs.changed', { reason: 'updated', id });
      return run;
    },
    async delete({ id }: ParsedArgsOf<'runs.delete'>): Promise<{ deleted: boolean }> {
      store.deleteRun(id, { artifacts: true });
      opts.audio.forgetModel(id);
      if (opts.settings.get().modelRunId === id) opts.settings.update({ modelRunId: null });
      hub.emit('runs.changed', { reason: 'deleted', id });
      return { deleted: true };
    },

    async exportRun({ id }: ParsedArgsOf<'runs.export'>): Promise<ExportedFile> {
      const { fileName, bytes } = await exportRunArchive(store, id);
      return { fileName, bytes };
    },

    async importRun({ file }: ParsedArgsOf<'runs.import'>): Promise<RunSummary> {
      const run = await importRunArchive(store, file.bytes, file.name);
      hub.emit('runs.changed', { reason: 'imported', id: run.id });
      return summary(run);
    },

    async modelsList(): Promise<ModelInfo[]> {
      const out: ModelInfo[] = [];
      const def = await opts.audio.defaultModelInfo();
      if (def)
        out.push({
          id: 'default',
          name: 'Default model (bundled)',
          labels: def.labels,
          accuracy: def.accuracy,
          split: null,
          expectsCalibration: def.expectsCalibration,
        });
      const runs = store.listRuns({
        status: ['completed'],
        sort: 'createdAt',
        order: 'desc',
        limit: MODELS_LIST_LIMIT,
      });
      for (const r of runs) {
        const run = store.getRun(r.id);
        const model = run.artifacts.find((a) => a.kind === 'model');
        if (model && existsSync(model.path))
          out.push({
            id: r.id,
            name: r.name,
            labels: r.labels,
            accuracy: r.accuracy,
            split: r.split,
            expectsCalibration: run.config.normalization === 'speaker',
          });
      }
      return out;
    },
  };
}
