/**
 * Leftovers in the models folder, found and removed when a store opens for writing:
 * - `.<name>.tmp-<pid>-<hex>` / `.<name>.old-<pid>-<hex>`: a model save or import killed half way
 *   (saveModelFolder and importRun write there, then rename), removed once process <pid> is gone;
 * - `<run id>/`: a model folder no run owns: its run is not in the database (a crash between the
 *   rename and the insert, or a delete that kept files), or its run finished without recording it
 *   (killed after the rename, before the run was finished). A running run's folder is left alone.
 * Only names this app writes are touched; anything else in the folder is left as it is.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive } from './liveness.js';

const TEMP = /^\.(.+)\.(tmp|old)-(\d+)-[0-9a-f]+$/;
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface Orphan {
  path: string;
  why: string;
}

/**
 * `owner(id)` says what the database knows of a run id: 'running', 'recorded' (the folder is the
 * run's model artifact), 'unrecorded' (the run exists but does not list this folder) or 'none'.
 */
export function findOrphans(
  modelsDir: string,
  owner: (id: string, path: string) => 'running' | 'recorded' | 'unrecorded' | 'none',
): Orphan[] {
  let names: string[];
  try {
    names = readdirSync(modelsDir);
  } catch {
    return [];
  }
  const out: Orphan[] = [];
  for (const name of names) {
    const path = join(modelsDir, name);
    const temp = TEMP.exec(name);
    if (temp) {
      if (!pidAlive(Number(temp[3])))
        out.push({
          path,
          why: `half-written ${temp[2] === 'tmp' ? 'save' : 'replace'} by a process that is gone`,
        });
      continue;
    }
    if (!RUN_ID.test(name)) continue;
    const o = owner(name, path);
    if (o === 'none') out.push({ path, why: 'no run in the database owns it' });
    else if (o === 'unrecorded')
      out.push({ path, why: 'its run ended without recording it (interrupted while saving)' });
  }
  return out;
}

/** Remove the orphans; returns the ones removed (a folder that cannot be removed is skipped). */
export function removeOrphans(orphans: Orphan[]): Orphan[] {
  const removed: Orphan[] = [];
  for (const o of orphans) {
    try {
      rmSync(o.path, { recursive: true, force: true });
      removed.push(o);
    } catch {
      // Left for the next open; nothing depends on it.
    }
  }
  return removed;
}
