/**
 * The one implementation of the API contract (src/shared/contract.ts). No Electron imports:
 * the Electron main process, the web host and the tests all run this same service.
 *
 * Every call is validated against the contract's schema here (so both adapters get it), and
 * every path argument must lie inside a folder the user chose (AllowedRoots).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import {
  CONTRACT,
  isMethodName,
  type MethodName,
  type ResultOf,
  type ServiceMethods,
} from '../../shared/contract.js';
import { SerError } from '../../shared/errors.js';
import { looksLikeRunId } from '../../shared/runs.js';
import { describeZodError } from '../../shared/zod-issues.js';
import { openStore, type RunStore } from '../store/index.js';
import { createAudioMethods } from './audio-methods.js';
import { EvaluateJobs } from './evaluate-folder.js';
import { EventHub } from './events.js';
import { TrainJobs } from './jobs.js';
import { presets } from '../recipe/presets.js';
import { AllowedRoots } from './roots.js';
import { exportModelTo } from './model-export.js';
import { createRunMethods } from './run-methods.js';
import { SettingsFile } from './settings-file.js';
import type { Service, ServiceOptions } from './types.js';
import { scanDataset } from '../dataset/scan.js';
import { clipInfo } from '../dataset/clip-info.js';
import { validateTrainConfig } from '../training/config.js';
import { defaultModelDir } from '../inference/predict.js';
import { modelRefNeedsStore } from '../inference/model-ref.js';
import { backendInfo, initBackend } from '../model/backend.js';
import { packageVersion } from '../util/package-version.js';

export type { Service, ServiceOptions } from './types.js';

export async function createService(opts: ServiceOptions): Promise<Service> {
  const version = opts.version ?? packageVersion();
  const settings = new SettingsFile(opts.settingsPath);
  if (settings.warning) console.error(`SER Studio: ${settings.warning}`);

  const roots = new AllowedRoots(opts.allowedRoots === 'any');
  for (const dir of opts.allowedRoots === 'any' ? [] : opts.allowedRoots) {
    try {
      await roots.add(dir);
    } catch (err) {
      throw new SerError('ValidationError', `allowed folder: ${(err as Error).message}`, dir);
    }
  }
  // Folders granted through the Electron dialog in earlier sessions (gone ones are skipped).
  for (const dir of settings.grantedRoots()) await roots.add(dir).catch(() => undefined);

  let opened: RunStore | null = null;
  const store = (): RunStore => {
    if (!opened) {
      opened = openStore(opts.dbPath, {
        appVersion: version,
        modelsDir: opts.modelsDir,
        ...(opts.readonlyStore ? { readonly: true } : {}),
      });
      opts.onStoreOpen?.(opened);
    }
    return opened;
  };
  const hub = new EventHub();
  const cacheDir = opts.cacheDir === undefined ? join(dirname(opts.dbPath), 'feature-cache') : opts.cacheDir;
  const jobs = new TrainJobs({ dbPath: opts.dbPath, modelsDir: opts.modelsDir, cacheDir, hub });
  const modelDir = opts.defaultModelDir ?? defaultModelDir();
  /**
   * A model reference as a caller gave it: the bundled model and run ids pass as they are; anything
   * else names a folder, which must lie inside an allowed folder like every other path (a web page
   * holding the token must not load a "model" from anywhere on disk). A run-id-like name that is
   * also a folder here counts as a folder, since that is what model-ref would load.
   */
  async function checkModelRef<T extends string | null | undefined>(model: T): Promise<T | string> {
    if (model == null || model === 'default') return model;
    if (!isAbsolute(model) && looksLikeRunId(model) && !existsSync(model)) return model;
    return roots.check(model);
  }

  const audio = createAudioMethods({ roots, store, defaultModelDir: modelDir, settings });
  const runs = createRunMethods({ store, roots, hub, settings, defaultModelDir: modelDir, audio });
  const evaluations = new EvaluateJobs(hub);

  let backendReady: Promise<unknown> | null = null;
  const ensureBackend = () => (backendReady ??= initBackend());

  const allowRoot = async (dir: string): Promise<string> => {
    const added = await roots.add(dir);
    if (!settings.grantedRoots().includes(added))
      settings.update({ grantedRoots: [...settings.grantedRoots(), added] });
    return added;
  };

  const impl: ServiceMethods = {
    async 'app.info'() {
      await ensureBackend();
      const info = backendInfo();
      const model = await audio.defaultModelInfo();
      return {
        version,
        platform: opts.platform,
        backend: info.name ?? 'cpu',
        backendDetail: info.summary,
        defaultModel: model ? { labels: model.labels, path: model.path } : null,
        allowedRoots: roots.list(),
      };
    },

    async 'settings.get'() {
      return settings.get();
    },
    async 'settings.set'(patch) {
      const clean: Parameters<SettingsFile['update']>[0] = {};
      if (patch.window !== undefined) clean.window = patch.window;
      if (patch.modelRunId !== undefined) {
        const id = patch.modelRunId === 'default' ? null : patch.modelRunId;
        if (id !== null) store().getRun(id);
        clean.modelRunId = id;
      }
      if (patch.lastDatasetFolder !== undefined) {
        clean.lastDatasetFolder =
          patch.lastDatasetFolder === null ? null : await roots.check(patch.lastDatasetFolder);
      }
      return settings.update(clean);
    },

    async 'dialog.pickFolder'() {
      if (!opts.pickFolder) return null;
      const dir = await opts.pickFolder();
      return dir === null ? null : allowRoot(dir);
    },

    async 'dataset.scan'({ root, labels, format }) {
      const real = await roots.check(root);
      const allowed = roots.realRoots();
      const scan = await scanDataset(real, {
        ...(labels ? { labels } : {}),
        ...(format ? { format } : {}),
        ...(allowed ? { roots: allowed } : {}),
      });
      settings.update({ lastDatasetFolder: root });
      return scan;
    },

    async 'dataset.clips'({ paths, features }) {
      const real = await Promise.all(paths.map((p) => roots.check(p)));
      // Answer with the paths as given (the browser keys clips by the scan's paths).
      const info = await clipInfo(real, { features, cacheDir });
      return info.map((c, i) => ({ ...c, path: paths[i]! }));
    },

    'audio.read': (a) => audio.read(a),
    'features.preview': (a) => audio.featuresPreview(a),
    'features.extract': (a) => audio.featuresExtract(a),
    'augment.preview': (a) => audio.augmentPreview(a),
    async classify(a) {
      const modelRunId = await checkModelRef(a.modelRunId);
      await ensureBackend();
      return audio.classify(modelRunId === undefined ? a : { ...a, modelRunId });
    },

    'models.list': () => runs.modelsList(),
    async 'models.export'({ model, out }) {
      // A model folder must lie inside an allowed folder; so must the parent of `out` (the
      // folder itself need not exist yet).
      const ref = await checkModelRef(model);
      const target = out === undefined ? undefined : join(await roots.check(dirname(out)), basename(out));
      return exportModelTo({
        ref,
        store: modelRefNeedsStore(ref) ? store() : null,
        defaultDir: modelDir,
        ...(target === undefined ? {} : { out: target }),
      });
    },
    async 'presets.get'() {
      return presets();
    },

    async 'train.start'({ root, config, name, tags, backend, saveModel }) {
      const real = await roots.check(root);
      // Checked here too (the worker checks again), so a bad config fails the call, not the job.
      const checked = validateTrainConfig(config);
      return jobs.start({
        dataDir: real,
        config: checked,
        ...(name !== undefined ? { name } : {}),
        ...(tags ? { tags } : {}),
        ...(backend ? { backend } : {}),
        ...(saveModel !== undefined ? { saveModel } : {}),
        ...(roots.realRoots() ? { allowedRoots: roots.realRoots() } : {}),
      });
    },
    async 'train.cancel'({ jobId }) {
      return { cancelled: jobs.cancel(jobId) };
    },
    'train.wait': ({ jobId }) => jobs.wait(jobId),
    async 'train.jobs'() {
      return jobs.list();
    },

    async 'evaluate.start'({ modelRunId: given, root, speakers, calibrate, jobId }) {
      const modelRunId = await checkModelRef(given);
      const real = await roots.check(root);
      await ensureBackend();
      const scanRoots = roots.realRoots();
      return evaluations.start(jobId, {
        model: modelRunId,
        root: real,
        speakers,
        calibrate,
        // Only a run id needs the store, and only an existing one records (no database is made).
        store: modelRefNeedsStore(modelRunId) || existsSync(opts.dbPath) ? store() : null,
        defaultModelDir: modelDir,
        cacheDir,
        ...(scanRoots ? { scanRoots } : {}),
      });
    },
    async 'evaluate.cancel'({ jobId }) {
      return { cancelled: evaluations.cancel(jobId) };
    },

    'runs.list': (f) => runs.list(f ?? {}),
    'runs.get': (a) => runs.get(a),
    'runs.clips': (a) => runs.clips(a),
    'runs.compare': (a) => runs.compare(a),
    'runs.update': (a) => runs.update(a),
    'runs.delete': (a) => runs.delete(a),
    'runs.export': (a) => runs.exportRun(a),
    'runs.import': (a) => runs.importRun(a),
  };

  let closed = false;
  return {
    async call<M extends MethodName>(method: M, args: unknown): Promise<ResultOf<M>> {
      if (closed) throw new SerError('InternalError', 'the app is shutting down');
      // Own keys only: `toString` or `__proto__` would otherwise find Object.prototype's.
      if (!isMethodName(method)) throw new SerError('NotFound', `no such API method: ${String(method)}`);
      const spec = CONTRACT[method];
      const parsed = spec.args.safeParse(args);
      if (!parsed.success) throw new SerError('ValidationError', describeZodError(method, parsed.error));
      const fn = impl[method] as (a: unknown) => Promise<ResultOf<M>>;
      return fn(parsed.data);
    },
    on: (event, cb) => hub.on(event, cb),
    allowRoot,
    async close() {
      if (closed) return;
      closed = true;
      evaluations.cancelAll();
      await jobs.cancelAll();
      audio.dispose();
      opened?.close();
    },
  };
}
