import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifactSha256, openStore, type RunStore } from '../../src/main/store/index.js';
import { runSeconds } from '../../src/shared/runs.js';
import { LABELS, sampleConfig, sampleEpoch, sampleEvaluation, sampleRun } from './fixtures/store-sample.js';
import { raw, tempDir, thrown } from './fixtures/store-helpers.js';

let dir: string;
let cleanup: () => void;
let store: RunStore;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('runs'));
  store = openStore(join(dir, 'ser.sqlite'), { appVersion: '9.9.9' });
});
afterEach(() => {
  store.close();
  cleanup();
});

/** A finished run with `epochs` epochs and an evaluation of `correct`/40 per class. */
function finished(
  name: string,
  correct: number,
  epochs: number,
  over: Parameters<typeof sampleRun>[0] = {},
): string {
  const id = store.createRun(sampleRun({ name, ...over }));
  for (let e = 1; e <= epochs; e++) store.appendEpoch(id, sampleEpoch(e));
  store.finishRun(id, {
    status: 'completed',
    evaluation: sampleEvaluation(over.config?.labels ?? LABELS, correct),
  });
  return id;
}

function modelFolder(path: string, weights = 'weights'): string {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'model.json'), '{"format":"layers-model"}');
  writeFileSync(join(path, 'weights.bin'), weights);
  return path;
}

describe('run lifecycle', () => {
  it('records a run from creation to completion, epochs in order, evaluation and artifacts', () => {
    const model = modelFolder(join(store.modelsDir, 'm1'));
    const id = store.createRun(sampleRun({ tags: ['baseline', ' baseline ', 'wasm'], notes: 'first try' }));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    let r = store.getRun(id);
    expect(r).toMatchObject({
      status: 'running',
      pid: process.pid,
      epochs: 0,
      appVersion: '9.9.9',
      notes: 'first try',
    });
    expect(r.tags).toEqual(['baseline', 'wasm']);
    expect(r.heartbeatAt).not.toBeNull();

    for (let e = 1; e <= 12; e++) store.appendEpoch(id, sampleEpoch(e));
    // A diverged epoch is still recorded.
    store.appendEpoch(id, { ...sampleEpoch(13), trainLoss: Number.NaN, valLoss: null, valAccuracy: null });
    const ev = sampleEvaluation(LABELS, 31);
    const fits = [{ series: 'valLoss' as const, coefficients: [1.9, -0.05, 0.001] }];
    store.finishRun(id, {
      status: 'completed',
      evaluation: ev,
      fits,
      artifacts: [{ kind: 'model', path: model }],
    });

    r = store.getRun(id);
    expect(r.status).toBe('completed');
    expect(r.finishedAt).not.toBeNull();
    expect(r.epochs).toBe(13);
    expect(r.metrics.slice(0, 12)).toEqual(Array.from({ length: 12 }, (_, i) => sampleEpoch(i + 1)));
    expect(r.metrics[12]!.trainLoss).toBeNaN();
    expect(r.evaluation).toEqual(ev);
    expect([r.accuracy, r.macroF1, r.uar]).toEqual([ev.accuracy, ev.macroF1, ev.uar]);
    expect(r.fits).toEqual(fits);
    expect(r.artifacts).toEqual([{ kind: 'model', path: model, sha256: artifactSha256(model) }]);
    expect(r.config).toEqual(sampleConfig());
    expect(store.listArtifacts('model')).toEqual([{ runId: id, ...r.artifacts[0]! }]);
  });

  it('refuses epochs for runs that are not running, out-of-order epochs and a second finish', () => {
    const id = store.createRun(sampleRun());
    store.appendEpoch(id, sampleEpoch(1));
    store.appendEpoch(id, sampleEpoch(2));
    expect(thrown(() => store.appendEpoch(id, sampleEpoch(2))).message).toMatch(
      /epoch 2 of run .* does not come after epoch 2: refused \(epochs must increase\)/,
    );
    store.finishRun(id, { status: 'cancelled' });
    const late = thrown(() => store.appendEpoch(id, sampleEpoch(3)));
    expect(late.code).toBe('StoreError');
    expect(late.message).toMatch(/run [0-9a-f]{8} is cancelled, not running: could not save epoch 3/);
    expect(thrown(() => store.finishRun(id, { status: 'completed' })).message).toMatch(
      /is cancelled, not running/,
    );
    expect(store.getRun(id).epochs).toBe(2);
    expect(thrown(() => store.appendEpoch('00000000-0000-4000-8000-000000000000', sampleEpoch(1))).code).toBe(
      'NotFound',
    );
  });

  it('keeps a heartbeat on a timer until stopped', async () => {
    const id = store.createRun(sampleRun());
    const first = store.getRun(id).heartbeatAt!;
    const stop = store.keepAlive(id, 20);
    await new Promise((ok) => setTimeout(ok, 120));
    stop();
    const beat = store.getRun(id).heartbeatAt!;
    expect(beat > first).toBe(true);
    await new Promise((ok) => setTimeout(ok, 60));
    expect(store.getRun(id).heartbeatAt).toBe(beat);
  });

  it('validates inputs and names the bad field', () => {
    const bad = thrown(() =>
      store.createRun({ ...sampleRun(), config: { ...sampleConfig(), seed: 'x' as unknown as number } }),
    );
    expect(bad.code).toBe('ValidationError');
    expect(bad.message).toMatch(/^invalid run: config\.seed: /);
    expect(thrown(() => store.createRun(sampleRun({ name: '  ' }))).message).toMatch(
      /name: must not be empty/,
    );
    const id = store.createRun(sampleRun());
    expect(thrown(() => store.appendEpoch(id, { ...sampleEpoch(1), epoch: 1.5 })).message).toMatch(/epoch: /);
    expect(thrown(() => store.listRuns({ sort: 'speed' as 'name' })).message).toMatch(
      /invalid run filter: sort/,
    );
  });
});

describe('listing', () => {
  it('filters by status, tag, label set, metric range and text, and sorts with missing metrics last', () => {
    const a = finished('alpha', 20, 3, { tags: ['baseline'] });
    const b = finished('Bravo', 35, 5, { tags: ['augment'], notes: 'pitch and noise' });
    const c = finished('charlie', 28, 4, { config: sampleConfig({ labels: ['happy', 'sad'] }) });
    const d = store.createRun(sampleRun({ name: 'delta', tags: ['baseline'] }));
    store.finishRun(d, { status: 'failed', error: 'out of memory' });
    const ids = (f: Parameters<RunStore['listRuns']>[0]) => store.listRuns(f).map((r) => r.id);

    expect(ids({})).toEqual([d, c, b, a]);
    expect(ids({ order: 'asc' })).toEqual([a, b, c, d]);
    expect(ids({ status: ['failed'] })).toEqual([d]);
    expect(ids({ status: ['completed', 'failed'], tag: 'baseline' })).toEqual([d, a]);
    expect(ids({ labels: ['sad', 'happy'] })).toEqual([c]);
    expect(ids({ labels: ['happy'] })).toEqual([]);
    expect(ids({ metric: 'accuracy', min: 0.6 })).toEqual([c, b]);
    expect(ids({ metric: 'macroF1', min: 0.6, max: 0.8 })).toEqual([c]);
    expect(ids({ search: 'NOISE' })).toEqual([b]);
    expect(ids({ sort: 'accuracy' })).toEqual([b, c, a, d]);
    expect(ids({ sort: 'accuracy', order: 'asc' })).toEqual([a, c, b, d]);
    expect(ids({ sort: 'name' })).toEqual([a, b, c, d]);
    expect(ids({ limit: 2, offset: 1 })).toEqual([c, b]);

    const s = store.listRuns({ tag: 'augment' })[0]!;
    expect(s).toEqual({
      id: b,
      name: 'Bravo',
      tags: ['augment'],
      status: 'completed',
      createdAt: s.createdAt,
      finishedAt: s.finishedAt,
      backend: 'wasm',
      labels: LABELS,
      accuracy: 35 / 40,
      macroF1: 35 / 40,
      uar: 35 / 40,
      epochs: 5,
      split: sampleConfig().split,
    });
  });

  it('resolves unique id prefixes like git and explains ambiguity', () => {
    const id = store.createRun(sampleRun());
    // Two runs that share an 8-character prefix (as imports from elsewhere might).
    raw(store.file, (db) => {
      for (const twin of ['abcd1234-0000-4000-8000-000000000001', 'abcd1234-0000-4000-8000-000000000002']) {
        db.prepare(
          `INSERT INTO runs (id, name, status, created_at, backend, app_version, labels_json)
           VALUES (?, 'twin', 'completed', '2025-01-01T00:00:00.000Z', 'cpu', 'x', '[]')`,
        ).run(twin);
      }
    });
    expect(store.resolveId(id)).toBe(id);
    expect(store.resolveId(` ${id.slice(0, 8).toUpperCase()} `)).toBe(id);
    expect(store.resolveId('abcd1234-0000-4000-8000-000000000002')).toBe(
      'abcd1234-0000-4000-8000-000000000002',
    );
    expect(thrown(() => store.resolveId('abcd12')).message).toBe(
      "'abcd12' matches several runs (abcd1234-0000-4000-8000-000000000001, abcd1234-0000-4000-8000-000000000002); give more characters",
    );
    expect(thrown(() => store.resolveId('abc')).message).toBe(
      "not a run id (give at least 4 hex digits of it): 'abc'",
    );
    expect(thrown(() => store.resolveId('run-one')).code).toBe('ValidationError');
    const missing = thrown(() => store.resolveId('ffffffff-ffff'));
    expect(missing.code).toBe('NotFound');
    expect(missing.message).toBe(`no run matches 'ffffffff-ffff' in ${store.file}`);
  });
});

describe('comparing', () => {
  it('diffs only differing config paths, puts metrics side by side and aligns curves by epoch', () => {
    const a = finished('a', 30, 4);
    const cfg = sampleConfig();
    const b = finished('b', 20, 6, {
      config: {
        ...cfg,
        seed: 7,
        optimizer: { ...cfg.optimizer, learningRate: 0.0005 },
        model: { ...cfg.model, convFilters: [32, 64] },
      },
      backend: 'cpu',
    });
    const c = store.compareRuns([a, b]);
    expect(c.runs.map((r) => r.id)).toEqual([a, b]);
    expect(c.configDiff).toEqual([
      {
        path: 'model.convFilters',
        values: [
          [64, 128],
          [32, 64],
        ],
      },
      { path: 'optimizer.learningRate', values: [0.001, 0.0005] },
      { path: 'seed', values: [42, 7] },
    ]);
    expect(c.contextDiff).toEqual([{ path: 'backend', values: ['wasm', 'cpu'] }]);
    expect(c.metrics.accuracy).toEqual([0.75, 0.5]);
    expect(c.metrics.epochs).toEqual([4, 6]);
    // Run time is start to end of each finished run (the epochs' own seconds add up to 10 and 15).
    expect(c.metrics.seconds).toEqual(
      c.runs.map((r) => (Date.parse(r.finishedAt!) - Date.parse(r.createdAt)) / 1000),
    );
    expect(
      runSeconds({ createdAt: '2026-01-01T00:00:00Z', finishedAt: null, metrics: [sampleEpoch(1)] }),
    ).toBe(sampleEpoch(1).seconds);
    expect(
      runSeconds({ createdAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:02:00Z', metrics: [] }),
    ).toBe(120);
    expect(c.metrics.bestValLoss![0]).toBeCloseTo(sampleEpoch(4).valLoss!, 12);
    expect(c.metrics['f1.angry']).toEqual([0.75, 0.5]);
    expect(c.curves.epochs).toEqual([1, 2, 3, 4, 5, 6]);
    expect(c.curves.series.valAccuracy[0]).toEqual(
      [1, 2, 3, 4, null, null].map((e) => (e === null ? null : sampleEpoch(e).valAccuracy)),
    );
    expect(c.curves.series.trainLoss[1]).toEqual([1, 2, 3, 4, 5, 6].map((e) => sampleEpoch(e).trainLoss));
    // A run missing a key shows `undefined` for it.
    const d = finished('d', 25, 1, { config: { ...cfg, extra: { flag: true } } as typeof cfg });
    expect(store.compareRuns([a, d]).configDiff).toEqual([{ path: 'extra.flag', values: [undefined, true] }]);
    // Ensemble members are compared field by field, numbered from 1 as in members/1.
    const member = { model: { ...cfg.model, denseUnits: 512 }, optimizer: cfg.optimizer };
    const e1 = finished('e1', 25, 1, { config: { ...cfg, ensemble: [member] } });
    const e2 = finished('e2', 25, 1, {
      config: { ...cfg, ensemble: [{ ...member, model: { ...member.model, denseUnits: 256 } }] },
    });
    expect(store.compareRuns([e1, e2]).configDiff).toEqual([
      { path: 'ensemble.1.model.denseUnits', values: [512, 256] },
    ]);
    expect(thrown(() => store.compareRuns([a, a])).message).toBe('compare needs at least two different runs');
  });
});

describe('managing', () => {
  it('renames, retags and annotates', () => {
    const id = finished('old name', 30, 2, { tags: ['x'] });
    const r = store.updateRun(id, { name: 'new name', tags: ['y', 'z'], notes: 'pitch shift helps' });
    expect(r).toMatchObject({ name: 'new name', tags: ['y', 'z'], notes: 'pitch shift helps' });
    expect(store.listRuns({ tag: 'x' })).toEqual([]);
    expect(store.updateRun(id, { tags: [] }).tags).toEqual([]);
    expect(thrown(() => store.updateRun(id, { tags: ['a\u0007b'] })).message).toMatch(/control characters/);
  });

  it('deletes a run with its artifacts only where that is safe', () => {
    const inside = modelFolder(join(store.modelsDir, 'run-a'));
    const outsideModel = modelFolder(join(dir, 'elsewhere', 'my-model'));
    const outsidePlain = join(dir, 'elsewhere', 'stuff');
    mkdirSync(outsidePlain);
    writeFileSync(join(outsidePlain, 'keep.txt'), 'mine');
    const shared = modelFolder(join(store.modelsDir, 'shared'));
    const id = store.createRun(sampleRun());
    const artifacts = [inside, outsideModel, outsidePlain, dir, shared].map((path) => ({
      kind: 'model' as const,
      path,
    }));
    store.finishRun(id, { status: 'completed', artifacts });
    const other = store.createRun(sampleRun({ name: 'other' }));
    store.finishRun(other, { status: 'completed', artifacts: [{ kind: 'model', path: shared }] });
    const running = store.createRun(sampleRun({ name: 'busy' }));

    expect(thrown(() => store.deleteRun(running, { artifacts: true })).message).toMatch(
      /is still running .*stop it before deleting/,
    );
    const res = store.deleteRun(id, { artifacts: true });
    expect(res.removed.sort()).toEqual([inside, outsideModel].sort());
    expect(res.kept).toEqual([
      { path: outsidePlain, reason: 'outside the models folder and not a model folder' },
      { path: dir, reason: `contains ${store.file}` },
      { path: shared, reason: 'recorded by another run' },
    ]);
    expect(existsSync(inside) || existsSync(outsideModel)).toBe(false);
    expect(readFileSync(join(outsidePlain, 'keep.txt'), 'utf8')).toBe('mine');
    expect(existsSync(shared)).toBe(true);
    expect(thrown(() => store.getRun(id)).code).toBe('NotFound');
    // Epochs, tags, details and artifact rows went with the run.
    const left = raw(store.file, (db) =>
      ['epochs', 'run_tags', 'run_details', 'artifacts'].map(
        (t) => (db.prepare(`SELECT count(*) AS n FROM ${t} WHERE run_id = ?`).get(id) as { n: number }).n,
      ),
    );
    expect(left).toEqual([0, 0, 0, 0]);
    // Without the option the files stay.
    const kept = store.deleteRun(other);
    expect(kept.removed).toEqual([]);
    expect(existsSync(shared)).toBe(true);
  });

  it('exports a run with its model and imports it into another database under the same id', () => {
    const model = modelFolder(join(store.modelsDir, 'exported'), 'w'.repeat(5000));
    const id = finished('to share', 33, 5, { tags: ['paper'], notes: 'for the appendix' });
    // finished() already finished the run; record the model on a second run instead.
    const withModel = store.createRun(sampleRun({ name: 'with model', tags: ['paper'] }));
    for (let e = 1; e <= 3; e++) store.appendEpoch(withModel, sampleEpoch(e));
    store.finishRun(withModel, {
      status: 'completed',
      evaluation: sampleEvaluation(LABELS, 33),
      artifacts: [{ kind: 'model', path: model }],
    });
    const out = join(dir, 'export');
    const res = store.exportRun(withModel, out);
    expect(res.files).toEqual(['run.json', 'model']);
    expect(res.warnings).toEqual([]);
    const doc = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(doc).toMatchObject({
      format: 'ser-studio-run',
      version: 1,
      run: { id: withModel, name: 'with model' },
    });

    const other = openStore(join(dir, 'machine-b', 'ser.sqlite'));
    try {
      const imported = other.importRun(out);
      const original = store.getRun(withModel);
      expect(imported.id).toBe(withModel);
      expect({ ...imported, artifacts: [] }).toEqual({ ...original, artifacts: [] });
      const copy = join(other.modelsDir, withModel, 'model');
      expect(imported.artifacts).toEqual([
        { kind: 'model', path: copy, sha256: original.artifacts[0]!.sha256 },
      ]);
      expect(artifactSha256(copy)).toBe(artifactSha256(model));
      const again = thrown(() => other.importRun(out));
      expect(again.message).toBe(
        `run ${withModel} ('with model') is already in ${other.file}; delete it there first to import it again`,
      );

      // A run without artifacts travels as run.json alone.
      const out2 = join(dir, 'export2');
      expect(store.exportRun(id, out2).files).toEqual(['run.json']);
      expect(other.importRun(out2).metrics).toEqual(store.getRun(id).metrics);
      expect(other.listRuns({ tag: 'paper' })).toHaveLength(2);
    } finally {
      other.close();
    }
  });

  it('refuses damaged or invalid exports and non-empty export folders, importing nothing', () => {
    const model = modelFolder(join(store.modelsDir, 'm'));
    const id = store.createRun(sampleRun());
    store.finishRun(id, { status: 'completed', artifacts: [{ kind: 'model', path: model }] });
    const out = join(dir, 'exp');
    store.exportRun(id, out);
    expect(thrown(() => store.exportRun(id, out)).message).toBe(
      `export folder is not empty, choose a new one: ${out}`,
    );

    const target = openStore(join(dir, 'b', 'ser.sqlite'));
    try {
      writeFileSync(join(out, 'model', 'weights.bin'), 'tampered');
      expect(thrown(() => target.importRun(out)).message).toBe(
        `model copy does not match its checksum, the export is damaged: ${join(out, 'model')}`,
      );
      writeFileSync(join(out, 'model', 'weights.bin'), 'weights');
      const doc = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
      delete doc.run.config.seed;
      writeFileSync(join(out, 'run.json'), JSON.stringify(doc));
      const invalid = thrown(() => target.importRun(out));
      expect(invalid.code).toBe('ValidationError');
      expect(invalid.message).toMatch(/^invalid run\.json: run\.config\.seed: .*: .*run\.json$/);
      doc.run.config.seed = 1;
      doc.files[0].path = '../escape';
      writeFileSync(join(out, 'run.json'), JSON.stringify(doc));
      expect(thrown(() => target.importRun(out)).message).toMatch(
        /files\.0\.path: must be a file name inside the export folder/,
      );
      writeFileSync(join(out, 'run.json'), '{ not json');
      expect(thrown(() => target.importRun(out)).message).toMatch(/^run\.json is not valid JSON/);
      expect(thrown(() => target.importRun(dir)).message).toMatch(/^not a run export \(no run\.json/);
      expect(target.listRuns()).toEqual([]);
      expect(existsSync(join(target.modelsDir, id))).toBe(false);
    } finally {
      target.close();
    }
  });
});
