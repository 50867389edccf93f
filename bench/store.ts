/**
 * Experiment store speed: list 10,000 runs with their final metrics (target < 100 ms) and store
 * a 200-epoch run's metrics one transaction per epoch, as training does (target < 1 ms/epoch).
 *
 *   npm run bench:store            table
 *   npm run bench:store -- --json  one JSON line at the end
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../src/main/store/index.js';
import {
  LABELS,
  sampleConfig,
  sampleEpoch,
  sampleEvaluation,
  sampleRun,
} from '../tests/integration/fixtures/store-sample.js';

const RUNS = 10_000;
const EPOCHS = 200;
const json = process.argv.includes('--json');

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** CPU milliseconds this process spent in fn: on a shared, busy machine wall time also counts waiting. */
function cpuIt(fn: () => unknown, repeats: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    out.push((c.user + c.system) / 1000);
  }
  return out;
}

function timeIt(fn: () => unknown, repeats: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'ser-bench-store-'));
try {
  const file = join(dir, 'ser.sqlite');
  let store = openStore(file, { appVersion: 'bench' });

  // Fill: each run created, given 20 epochs and finished through the public API, as training would.
  const t0 = performance.now();
  for (let i = 0; i < RUNS; i++) {
    const id = store.createRun(
      sampleRun({
        name: `run ${i}`,
        config: sampleConfig({ seed: i }),
        tags: i % 10 === 0 ? ['baseline'] : i % 7 === 0 ? ['augment', 'lr-sweep'] : [],
      }),
    );
    if (i % 50 === 0) for (let e = 1; e <= 20; e++) store.appendEpoch(id, sampleEpoch(e));
    store.finishRun(id, {
      status: i % 25 === 0 ? 'failed' : 'completed',
      evaluation: sampleEvaluation(LABELS, 10 + (i % 30)),
    });
  }
  const fillSeconds = (performance.now() - t0) / 1000;
  store.close();

  // Listing is what the runs view does on open: a fresh connection, then warm repeats.
  const tOpen = performance.now();
  store = openStore(file, { appVersion: 'bench' });
  const openMs = performance.now() - tOpen;
  const tFirst = performance.now();
  const first = store.listRuns();
  const firstListMs = performance.now() - tFirst;
  if (first.length !== RUNS) throw new Error(`listed ${first.length} runs, expected ${RUNS}`);
  const listAll = timeIt(() => store.listRuns(), 10);
  const listAllCpu = cpuIt(() => store.listRuns(), 10);
  const listSorted = timeIt(() => store.listRuns({ sort: 'accuracy', status: ['completed'] }), 10);
  const listTag = timeIt(() => store.listRuns({ tag: 'baseline', metric: 'macroF1', min: 0.5 }), 10);

  // One run of 200 epochs, each epoch its own transaction.
  const id = store.createRun(sampleRun({ name: 'long run' }));
  const perEpoch: number[] = [];
  for (let e = 1; e <= EPOCHS; e++) {
    const m = sampleEpoch(e);
    const t = performance.now();
    store.appendEpoch(id, m);
    perEpoch.push(performance.now() - t);
  }
  store.finishRun(id, { status: 'completed', evaluation: sampleEvaluation() });
  const getMs = timeIt(() => store.getRun(id), 10);
  const integrity = store.integrityCheck().join(',');
  store.close();

  const sqlite = (new Database(':memory:').prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  const result = {
    bench: 'store',
    runs: RUNS,
    listAllMsFirst: +firstListMs.toFixed(2),
    listAllMsMedian: +quantile(listAll, 0.5).toFixed(2),
    listAllCpuMsMedian: +quantile(listAllCpu, 0.5).toFixed(2),
    listSortedByAccuracyMsMedian: +quantile(listSorted, 0.5).toFixed(2),
    listTagFilteredMsMedian: +quantile(listTag, 0.5).toFixed(2),
    openMs: +openMs.toFixed(2),
    epochs: EPOCHS,
    appendEpochMsMean: +(perEpoch.reduce((a, b) => a + b, 0) / EPOCHS).toFixed(4),
    appendEpochMsP95: +quantile(perEpoch, 0.95).toFixed(4),
    appendEpochMsMax: +Math.max(...perEpoch).toFixed(4),
    /** The first epoch prepares the run's statements; the rest reuse them. */
    appendEpochMsFirst: +perEpoch[0]!.toFixed(4),
    getRun200EpochsMsMedian: +quantile(getMs, 0.5).toFixed(3),
    fillSeconds: +fillSeconds.toFixed(1),
    integrity,
    targets: { listAllMs: 100, appendEpochMs: 1 },
    pass:
      quantile(listAll, 0.5) < 100 && firstListMs < 100 && perEpoch.reduce((a, b) => a + b, 0) / EPOCHS < 1,
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      sqlite,
      loadAverage1m: +loadavg()[0]!.toFixed(2),
    },
  };

  const rows: [string, string, string][] = [
    [`list ${RUNS} runs, first call after open`, `${result.listAllMsFirst} ms`, '< 100 ms'],
    [`list ${RUNS} runs, median of 10`, `${result.listAllMsMedian} ms`, '< 100 ms'],
    [`list ${RUNS} runs, CPU time, median of 10`, `${result.listAllCpuMsMedian} ms`, ''],
    ['list completed, sorted by accuracy', `${result.listSortedByAccuracyMsMedian} ms`, ''],
    ['list tag=baseline, macroF1 >= 0.5', `${result.listTagFilteredMsMedian} ms`, ''],
    [`append epoch (${EPOCHS}, 1 txn each), mean`, `${result.appendEpochMsMean} ms`, '< 1 ms'],
    ['append epoch, p95', `${result.appendEpochMsP95} ms`, ''],
    ['append epoch, max', `${result.appendEpochMsMax} ms`, ''],
    ['append epoch, first (prepares statements)', `${result.appendEpochMsFirst} ms`, ''],
    [`get run with ${EPOCHS} epochs, median`, `${result.getRun200EpochsMsMedian} ms`, ''],
    ['open database', `${result.openMs} ms`, ''],
    [`fill ${RUNS} runs via the API`, `${result.fillSeconds} s`, ''],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log(
    `store benchmark (${result.machine.cpu}, ${result.machine.cores} cores, Node ${process.version}, ` +
      `SQLite ${sqlite}, load average ${result.machine.loadAverage1m})`,
  );
  for (const [k, v, t] of rows) console.log(`  ${k.padEnd(w)}  ${v.padStart(11)}  ${t}`);
  console.log(`  integrity_check: ${integrity}; ${result.pass ? 'all targets met' : 'TARGET MISSED'}`);
  if (json) console.log(JSON.stringify(result));
  process.exitCode = result.pass ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
