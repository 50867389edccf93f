/**
 * Store hygiene: a process killed while saving a model leaves nothing behind after the next open;
 * leftovers are found and removed at open (and reported); `runs delete` removes the run's folder;
 * epoch writes wait out another process's lock; a full disk still lets runs be listed and says
 * "disk full" with the path when a model cannot be saved.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/main/store/index.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { sampleEpoch, sampleRun } from './fixtures/store-sample.js';
import { tempDir, waitExit } from './fixtures/store-helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('hygiene')));
afterEach(() => cleanup());

const SAVE_CHILD = resolve(REPO_ROOT, 'tests', 'integration', 'fixtures', 'save-child.ts');

/** Run save-child until its `saves`-th save has started, wait `delayMs`, SIGKILL it. */
async function killWhileSaving(db: string, models: string, saves: number, delayMs: number): Promise<void> {
  const child = spawn(process.execPath, [resolve(REPO_ROOT, 'bin', 'run-ts.mjs'), SAVE_CHILD, db, models], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = waitExit(child);
  let seen = 0;
  child.stdout!.on('data', (d: Buffer) => {
    seen += d
      .toString()
      .split('\n')
      .filter((l) => l.startsWith('SAVING ')).length;
    if (seen >= saves) setTimeout(() => child.kill('SIGKILL'), delayMs);
  });
  const { signal, err } = await exited;
  expect(signal, err).toBe('SIGKILL');
}

describe('store hygiene', () => {
  it('SIGKILL at any point of a save: integrity ok, the run interrupted, no leftover folder after the next open', async () => {
    const db = join(dir, 'ser.sqlite');
    const models = join(dir, 'models');
    // Kills land before, inside and after the save's temp folder and rename, at different saves.
    for (const [saves, delay] of [
      [1, 0],
      [2, 5],
      [3, 30],
    ] as const) {
      await killWhileSaving(db, models, saves, delay);
      const store = openStore(db, { modelsDir: models });
      try {
        expect(store.integrityCheck()).toEqual(['ok']);
        const runs = store.listRuns();
        expect(runs.filter((r) => r.status === 'running')).toEqual([]);
        expect(runs.some((r) => r.status === 'interrupted')).toBe(true);
        const left = existsSync(models) ? readdirSync(models) : [];
        expect(left.filter((n) => n.startsWith('.'))).toEqual([]);
        for (const name of left) {
          const run = store.getRun(name);
          expect(run.status, name).toBe('completed');
          expect(run.artifacts.map((a) => a.path)).toEqual([join(models, name)]);
        }
      } finally {
        store.close();
      }
    }
  });

  it('removes leftovers at open and says which; leaves a running run and unknown names alone', () => {
    const db = join(dir, 'ser.sqlite');
    const models = join(dir, 'models');
    const first = openStore(db, { modelsDir: models });
    const running = first.createRun(sampleRun({ name: 'still running' }));
    const ended = first.createRun(sampleRun({ name: 'ended without its model' }));
    first.finishRun(ended, { status: 'failed', error: 'x' });
    const ghost = '0f0f0f0f-0000-4000-8000-000000000000';
    // A pid that cannot be alive (above pid_max).
    const deadPid = 2 ** 22 + 7;
    for (const name of [
      running,
      ended,
      ghost,
      `.${ghost}.tmp-${deadPid}-ab12`,
      `.${ended}.old-${deadPid}-cd34`,
      `.${ghost}.tmp-${process.pid}-ef56`,
      'notes',
    ]) {
      mkdirSync(join(models, name), { recursive: true });
      writeFileSync(join(models, name, 'model.json'), '{}');
    }
    const again = openStore(db, { modelsDir: models });
    try {
      expect(again.cleaned.map((o) => o.path.slice(models.length + 1)).sort()).toEqual(
        [ended, ghost, `.${ghost}.tmp-${deadPid}-ab12`, `.${ended}.old-${deadPid}-cd34`].sort(),
      );
      for (const o of again.cleaned) expect(o.why.length).toBeGreaterThan(10);
      expect(readdirSync(models).sort()).toEqual(
        [`.${ghost}.tmp-${process.pid}-ef56`, 'notes', running].sort(),
      );
    } finally {
      again.close();
      first.close();
    }
  });

  it('runs delete removes the run’s model folder even when the run never recorded it', () => {
    const db = join(dir, 'ser.sqlite');
    const models = join(dir, 'models');
    const store = openStore(db, { modelsDir: models });
    const id = store.createRun(sampleRun({ name: 'killed after the rename' }));
    store.finishRun(id, { status: 'failed', error: 'killed' });
    mkdirSync(join(models, id), { recursive: true });
    writeFileSync(join(models, id, 'model.json'), '{}');
    const res = store.deleteRun(id, { artifacts: true });
    expect(res.removed).toEqual([join(models, id)]);
    expect(existsSync(join(models, id))).toBe(false);
    store.close();
  });

  it('an epoch write waits out a lock another process holds longer than the busy timeout', async () => {
    const db = join(dir, 'ser.sqlite');
    const store = openStore(db, { busyTimeoutMs: 300 });
    const id = store.createRun(sampleRun({ name: 'patient' }));
    store.appendEpoch(id, sampleEpoch(1));
    // Another process takes the write lock for 1.5 s (5x the busy timeout).
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D=require('better-sqlite3');const d=new D(${JSON.stringify(db)});d.exec('BEGIN IMMEDIATE');` +
          `console.log('LOCKED');setTimeout(()=>{d.exec('COMMIT');d.close()},1500)`,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((ok) => holder.stdout!.once('data', () => ok()));
    // A user action (rename) still fails fast with a clear reason...
    expect(() => store.updateRun(id, { name: 'renamed' })).toThrow(/busy/);
    // ...while the training write waits and lands.
    store.appendEpoch(id, sampleEpoch(2));
    await waitExit(holder);
    expect(store.getRun(id).metrics.map((e) => e.epoch)).toEqual([1, 2]);
    store.close();
  });
});

const CAN_MOUNT = (() => {
  if (process.getuid?.() !== 0) return false;
  const { dir: probe, cleanup: done } = tempDir('probe');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    done();
  }
})();

describe.skipIf(!CAN_MOUNT)(
  `a full disk ${CAN_MOUNT ? '' : '(skipped: needs root with permission to mount a tmpfs)'}`,
  () => {
    it('still lists runs (read-only, saying why) and names the model folder a save could not write', async () => {
      const disk = join(dir, 'disk');
      mkdirSync(disk);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', disk], { stdio: 'ignore' });
      try {
        const db = join(disk, 'ser.sqlite');
        const store = openStore(db);
        store.finishRun(store.createRun(sampleRun({ name: 'before the disk filled' })), {
          status: 'completed',
        });
        store.close();
        try {
          writeFileSync(join(disk, 'ballast'), Buffer.alloc(8 * 1024 * 1024));
        } catch {
          // ENOSPC: the disk is now full, as intended.
        }
        const full = openStore(db);
        expect(full.readonly).toBe(true);
        expect(full.readonlyReason).toMatch(/^disk full at /);
        expect(full.listRuns().map((r) => r.name)).toEqual(['before the disk filled']);
        expect(() => full.createRun(sampleRun({ name: 'x' }))).toThrow(/disk full at .*could not create run/);
        full.close();

        const { saveModelFolder, MODEL_FORMAT_VERSION } = await import('../../src/main/model/folder.js');
        const { initBackend } = await import('../../src/main/model/backend.js');
        const { buildModel } = await import('../../src/main/model/build.js');
        const { MLP_BASELINE } = await import('../../src/main/model/presets.js');
        const { DEFAULT_FEATURE_CONFIG } = await import('../../src/shared/features.js');
        await initBackend();
        const input = { frames: 1, width: 64, pooled: true };
        const model = buildModel(MLP_BASELINE, input, 2, 1);
        const target = join(disk, 'models', 'm');
        await expect(
          saveModelFolder(target, model, {
            formatVersion: MODEL_FORMAT_VERSION,
            labels: ['a', 'b'],
            featureConfig: DEFAULT_FEATURE_CONFIG,
            modelConfig: MLP_BASELINE,
            input,
            normalization: { mean: Array(64).fill(0), std: Array(64).fill(1) },
            backend: 'cpu',
            createdAt: new Date().toISOString(),
            seed: 1,
          }),
        ).rejects.toThrow(`disk full: could not save the model at ${target}`);
        model.dispose();
      } finally {
        execFileSync('umount', ['-l', disk], { stdio: 'ignore' });
      }
    });

    it('says "disk full: could not <what> at <path>" for a run export, an archive import and the settings', async () => {
      const disk = join(dir, 'small-disk');
      mkdirSync(disk);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk], { stdio: 'ignore' });
      try {
        const store = openStore(join(dir, 'ser.sqlite'));
        const id = store.createRun(sampleRun({ name: 'to export', notes: 'x'.repeat(64 * 1024) }));
        store.finishRun(id, { status: 'completed' });
        try {
          writeFileSync(join(disk, 'ballast'), Buffer.alloc(2 * 1024 * 1024));
        } catch {
          // ENOSPC: the disk is now full, as intended.
        }
        const exportDir = join(disk, 'export');
        expect(() => store.exportRun(id, exportDir)).toThrow(
          `disk full: could not write the export at ${exportDir}`,
        );
        store.close();

        const { SettingsFile } = await import('../../src/main/api/settings-file.js');
        const settingsPath = join(disk, 'settings.json');
        expect(() => new SettingsFile(settingsPath).update({ lastDatasetFolder: '/data' })).toThrow(
          `disk full: could not save the settings at ${settingsPath}`,
        );

        // An archive that would fit anywhere else: the failure is the disk, not the archive.
        const { packDir, unpackInto } = await import('../../src/main/api/tar.js');
        const src = join(dir, 'src', 'top');
        mkdirSync(src, { recursive: true });
        writeFileSync(join(src, 'weights.bin'), randomBytes(256 * 1024));
        const unpacked = join(disk, 'unpacked');
        await expect(unpackInto(packDir(src, 'top'), unpacked)).rejects.toThrow(
          `disk full: could not unpack the run export at ${unpacked}`,
        );
      } finally {
        execFileSync('umount', ['-l', disk], { stdio: 'ignore' });
      }
    });
  },
);
