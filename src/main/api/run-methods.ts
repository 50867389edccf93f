/**
 * Runs and models: the store's API as the contract exposes it, plus export/import as one
 * .tar.gz file (run.json + the model folder), so a browser can download and upload it.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportedFile, ModelInfo, ParsedArgsOf } from '../../shared/contract.js';
import { SerError } from '../../shared/errors.js';
import type { RunComparison, RunFilter, RunRecord, RunSummary } from '../../shared/runs.js';
import type { RunStore } from '../store/index.js';
import { RUN_JSON } from '../store/transfer.js';
import type { AudioMethods } from './audio-methods.js';
import type { EventHub } from './events.js';
import type { SettingsFile } from './settings-file.js';
import { packDir, unpackInto } from './tar.js';

export const EXPORT_SUFFIX = '.ser-run.tar.gz';
/** models.list looks at this many recent completed runs. */
const MODELS_LIST_LIMIT = 500;

export interface RunMethodsOptions {
  store: RunStore;
  hub: EventHub;
  settings: SettingsFile;
  audio: AudioMethods;
  defaultModelDir: string;
}

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'run'
  );
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

async function withTemp<T>(fn: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ser-run-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
      const run = store.getRun(id);
      const top = `${slug(run.name)}-${id.slice(0, 8)}`;
      return withTemp((tmp) => {
        const dir = join(tmp, top);
        store.exportRun(id, dir);
        return { fileName: `${top}${EXPORT_SUFFIX}`, bytes: packDir(dir, top) };
      });
    },

    async importRun({ file }: ParsedArgsOf<'runs.import'>): Promise<RunSummary> {
      const run = await withTemp(async (tmp) => {
        await unpackInto(file.bytes, tmp);
        // The archive holds one folder with run.json (or run.json at its top, if repacked by hand).
        const entries = readdirSync(tmp);
        const dir = existsSync(join(tmp, RUN_JSON))
          ? tmp
          : entries.length === 1 && existsSync(join(tmp, entries[0]!, RUN_JSON))
            ? join(tmp, entries[0]!)
            : null;
        if (!dir)
          throw new SerError('ValidationError', `not a SER Studio run export (no ${RUN_JSON}): ${file.name}`);
        return store.importRun(dir);
      });
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
        });
      const runs = store.listRuns({
        status: ['completed'],
        sort: 'createdAt',
        order: 'desc',
        limit: MODELS_LIST_LIMIT,
      });
      for (const r of runs) {
        const model = store.getRun(r.id).artifacts.find((a) => a.kind === 'model');
        if (model && existsSync(model.path))
          out.push({ id: r.id, name: r.name, labels: r.labels, accuracy: r.accuracy, split: r.split });
      }
      return out;
    },
  };
}
