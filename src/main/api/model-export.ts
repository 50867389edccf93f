/**
 * models.export (and `ser export-model`): a model as a standard TensorFlow.js LayersModel of
 * stock layers with ser-model.json and a README (inference/export-model.ts), written into a
 * folder, or packed as one `.tfjs-model.tar.gz` for the app's download.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL_EXPORT_SUFFIX, type ModelExportSummary } from '../../shared/model-export.js';
import { exportModel } from '../inference/export-model.js';
import { resolveModelRef } from '../inference/model-ref.js';
import type { RunStore } from '../store/index.js';
import { slug } from './run-archive.js';
import { packDir } from './tar.js';

export interface ModelExportRequest {
  /** A run id, a model folder (CLI only), or null / 'default' for the bundled model. */
  ref: string | null;
  /** Needed for a run id. */
  store: RunStore | null;
  /** The bundled model's folder (default: model-ref's). */
  defaultDir?: string;
  /** A new or empty folder to write into; omitted: the export comes back as a .tar.gz. */
  out?: string;
}

/** Export the referenced model into `out`, or as an archive named after its run. */
export async function exportModelTo(req: ModelExportRequest): Promise<ModelExportSummary> {
  const { dir, runId } = resolveModelRef(req.ref, {
    store: req.store,
    ...(req.defaultDir ? { defaultDir: req.defaultDir } : {}),
  });
  if (req.out !== undefined) return exportModel(dir, req.out, { runId });
  const top =
    runId && req.store
      ? `${slug(req.store.getRun(runId).name)}-${runId.slice(0, 8)}`
      : req.ref == null || req.ref === 'default'
        ? 'default-model'
        : 'model';
  const tmp = await mkdtemp(join(tmpdir(), 'ser-model-export-'));
  try {
    const res = await exportModel(dir, join(tmp, top), { runId });
    return {
      ...res,
      dir: null,
      file: { fileName: `${top}${MODEL_EXPORT_SUFFIX}`, bytes: packDir(res.dir!, top) },
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
