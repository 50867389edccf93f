/**
 * The one place a model reference becomes a model folder, for `ser infer`, `ser evaluate` and the
 * app's classify (api/classifiers.ts): `default` (or null) is the bundled model, an existing
 * folder is that folder, and a run id (or a unique prefix of 4+ hex digits) is the model its run
 * saved, looked up in the store.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerError } from '../../shared/errors.js';
import { looksLikeRunId } from '../../shared/runs.js';
import type { RunStore } from '../store/run-store.js';

/**
 * The bundled model: SER_DEFAULT_MODEL if set, else resources/models/default found from the
 * sources (src/main/training), the built main bundle (out/main) or a packaged app's resources.
 */
export function defaultModelDir(): string {
  const env = process.env.SER_DEFAULT_MODEL;
  if (env) return resolve(env);
  const candidates = [
    fileURLToPath(new URL('../../../resources/models/default', import.meta.url)),
    fileURLToPath(new URL('../../resources/models/default', import.meta.url)),
  ];
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath)
    candidates.push(
      resolve(resourcesPath, 'models', 'default'),
      resolve(resourcesPath, 'resources', 'models', 'default'),
    );
  return candidates.find((c) => existsSync(resolve(c, 'meta.json'))) ?? candidates[0]!;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Whether resolving `ref` needs the run store (open it only then: a folder or `default` does not). */
export function modelRefNeedsStore(ref: string | null | undefined): boolean {
  return ref != null && ref !== 'default' && !isDir(ref) && looksLikeRunId(ref);
}

export interface ResolvedModel {
  dir: string;
  /** The run that saved it, when the reference was a run id. */
  runId: string | null;
}

export function resolveModelRef(
  ref: string | null | undefined,
  opts: { store?: RunStore | null; defaultDir?: string } = {},
): ResolvedModel {
  if (ref == null || ref === 'default') {
    const dir = opts.defaultDir ?? defaultModelDir();
    if (!existsSync(join(dir, 'meta.json'))) {
      throw new SerError(
        'NotFound',
        `the bundled model is missing: ${dir} (scripts/train-default-model.ts makes it; or pick a trained run's model)`,
        dir,
      );
    }
    return { dir, runId: null };
  }
  if (isDir(ref)) return { dir: resolve(ref), runId: null };
  if (opts.store && looksLikeRunId(ref)) {
    const runId = opts.store.resolveId(ref);
    const run = opts.store.getRun(runId);
    const art = run.artifacts.find((a) => a.kind === 'model');
    if (!art || !existsSync(art.path)) {
      throw new SerError(
        'NotFound',
        `run ${runId.slice(0, 8)} ('${run.name}') has no saved model on disk (status ${run.status})`,
      );
    }
    return { dir: art.path, runId };
  }
  throw new SerError('NotFound', `no model folder or run id '${ref}'`, ref);
}
