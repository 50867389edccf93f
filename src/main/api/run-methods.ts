/**
 * Runs and models: the store's API as the contract exposes it, plus export/import as one
 * .tar.gz file (run-archive.ts, the same format `ser runs export` writes).
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { ExportedFile, ModelInfo, ParsedArgsOf } from '../../shared/contract.js';
import { SerError } from '../../shared/errors.js';
import type { DeleteRunResult, RunComparison, RunFilter, RunRecord, RunSummary } from '../../shared/runs.js';
import type { RunStore } from '../store/index.js';
import type { AudioMethods } from './audio-methods.js';
import type { EventHub } from './events.js';
import type { AllowedRoots } from './roots.js';
import type { SettingsFile } from './settings-file.js';
import { exportRunArchive, importRunArchive } from './run-archive.js';

export { EXPORT_SUFFIX } from './run-archive.js';
/** models.list looks at this many recent completed runs. */
const MODELS_LIST_LIMIT = 500;

export interface RunMethodsOptions {
  /** The run store, opened on first use. */
  store: () => RunStore;
  roots: AllowedRoots;
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
  /** A full run id, or a unique prefix of 4+ characters (as `ser runs` accepts). */
  const resolveId = (ref: string) => store().resolveId(ref);

  /** The run in full, as imported (runs.import answers its summary). */
  async function importRecord({ file, path }: ParsedArgsOf<'runs.import'>): Promise<RunRecord> {
    let run: RunRecord;
    if (path !== undefined) {
      const real = await opts.roots.check(path);
      const info = await stat(real).catch(() => null);
      if (!info) throw new SerError('NotFound', `no such file: ${path}`, path);
      // The archive, or the folder `tar -xzf` made of it.
      run = info.isDirectory()
        ? store().importRun(real)
        : await importRunArchive(store(), await readFile(real), path);
    } else if (file) {
      run = await importRunArchive(store(), file.bytes, file.name);
    } else throw new SerError('ValidationError', 'give a path or a file');
    hub.emit('runs.changed', { reason: 'imported', id: run.id });
    return run;
  }

  return {
    async list(filter: RunFilter): Promise<RunSummary[]> {
      return store().listRuns(filter);
    },
    async get({ id }: ParsedArgsOf<'runs.get'>): Promise<RunRecord> {
      return store().getRun(resolveId(id));
    },
    async clips({ id }: ParsedArgsOf<'runs.clips'>) {
      return store().getClipEvaluations(resolveId(id));
    },
    async compare({ ids }: ParsedArgsOf<'runs.compare'>): Promise<RunComparison> {
      return store().compareRuns(ids.map(resolveId));
    },
    async update({ id: ref, ...patch }: ParsedArgsOf<'runs.update'>): Promise<RunRecord> {
      const id = resolveId(ref);
      const run = store().updateRun(id, patch);
      hub.emit('runs.changed', { reason: 'updated', id });
      return run;
    },
    async delete({
      id: ref,
      keepFiles,
    }: ParsedArgsOf<'runs.delete'>): Promise<{ deleted: boolean } & DeleteRunResult> {
      const id = resolveId(ref);
      const res = store().deleteRun(id, { artifacts: !keepFiles });
      opts.audio.forgetModel(id);
      if (opts.settings.get().modelRunId === id) opts.settings.update({ modelRunId: null });
      hub.emit('runs.changed', { reason: 'deleted', id });
      return { deleted: true, ...res };
    },

    async exportRun({ id }: ParsedArgsOf<'runs.export'>): Promise<ExportedFile> {
      return exportRunArchive(store(), resolveId(id));
    },

    importRecord,
    async importRun(a: ParsedArgsOf<'runs.import'>): Promise<RunSummary> {
      return summary(await importRecord(a));
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
      const runs = store().listRuns({
        status: ['completed'],
        sort: 'createdAt',
        order: 'desc',
        limit: MODELS_LIST_LIMIT,
      });
      for (const r of runs) {
        const run = store().getRun(r.id);
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
