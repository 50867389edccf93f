import { readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/main/store/index.js';
import { sampleEpoch, sampleRun } from './fixtures/store-sample.js';
import { lastJson, raw, startChild, tempDir, waitExit } from './fixtures/store-helpers.js';

/** Resolves once `cond()` holds, checking every 20 ms (the test's own timeout bounds it). */
async function waitFor(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((ok) => setTimeout(ok, 20));
}

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('crash')));
afterEach(() => cleanup());

/** Start a writer, let it commit at least `minEpochs` epochs, then SIGKILL it mid-loop. */
async function killMidTraining(file: string, minEpochs: number): Promise<{ id: string; lastSeen: number }> {
  const child = startChild(['crash', file]);
  const exited = waitExit(child);
  let buf = '';
  let id = '';
  let lastSeen = 0;
  await new Promise<void>((ok, fail) => {
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (const line of buf.split('\n').slice(0, -1)) {
        if (line.startsWith('RUN ')) id = line.slice(4);
        if (line.startsWith('EPOCH ')) lastSeen = Math.max(lastSeen, Number(line.slice(6)));
      }
      buf = buf.slice(buf.lastIndexOf('\n') + 1);
      if (lastSeen >= minEpochs && child.kill('SIGKILL')) ok();
    });
    child.on('exit', (code) =>
      lastSeen < minEpochs ? fail(new Error(`writer exited (${code}) early`)) : ok(),
    );
  });
  const { signal, err } = await exited;
  expect(signal, err).toBe('SIGKILL');
  return { id, lastSeen };
}

describe('store under crashes and concurrency', () => {
  it('a writer killed with SIGKILL mid-training leaves an interrupted run with a consistent prefix of epochs', async () => {
    const file = join(dir, 'ser.sqlite');
    const kills: { id: string; lastSeen: number }[] = [];
    // Three kills at different depths: the loop commits thousands of epochs a second, so each
    // SIGKILL lands at an arbitrary point, usually inside a transaction.
    for (const minEpochs of [50, 400, 1500]) kills.push(await killMidTraining(file, minEpochs));

    const store = openStore(file);
    try {
      // Each writer's own open recovered the run killed before it; this open recovers the last.
      expect(store.recovered).toEqual([kills[2]!.id]);
      expect(store.integrityCheck()).toEqual(['ok']);
      for (const { id, lastSeen } of kills) {
        const run = store.getRun(id);
        expect(run.status).toBe('interrupted');
        expect(run.error).toMatch(/^interrupted: process \d+ stopped without finishing the run$/);
        expect(run.finishedAt).toBe(run.heartbeatAt);
        // Every epoch it reported as committed is there; nothing after a gap, nothing half-written.
        const epochs = run.metrics.map((m) => m.epoch);
        expect(epochs.length).toBeGreaterThanOrEqual(lastSeen);
        expect(epochs).toEqual(Array.from({ length: epochs.length }, (_, i) => i + 1));
        expect(run.epochs).toBe(epochs.length);
        expect(run.metrics[epochs.length - 1]).toEqual(sampleEpoch(epochs.length));
        // An interrupted run takes no more epochs.
        expect(() => store.appendEpoch(id, sampleEpoch(epochs.length + 1))).toThrow(
          /is interrupted, not running/,
        );
      }
      const fk = raw(file, (db) => db.pragma('foreign_key_check') as unknown[], true);
      expect(fk).toEqual([]);
    } finally {
      store.close();
    }
  }, 60_000);

  it('keeps runs of live processes running and marks dead or silent ones interrupted', () => {
    const file = join(dir, 'ser.sqlite');
    const store = openStore(file);
    const ids = ['mine', 'silent-here', 'dead-pid', 'remote-fresh', 'remote-silent'].map((name) =>
      store.createRun(sampleRun({ name })),
    );
    store.close();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const hour = 60 * 60 * 1000;
    raw(file, (db) => {
      const [, silentHere, deadPid, remoteFresh, remoteSilent] = ids;
      // Same host, live pid (ours) but no heartbeat for two hours: pid may have been reused.
      db.prepare('UPDATE runs SET heartbeat = ? WHERE id = ?').run(Date.now() - 2 * hour, silentHere);
      db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(dead, deadPid);
      // Another machine: its pid cannot be checked here, only its heartbeat.
      const set = db.prepare("UPDATE runs SET pid = 1, host = 'gpu-box', heartbeat = ? WHERE id = ?");
      set.run(Date.now() - 1000, remoteFresh);
      set.run(Date.now() - 2 * hour, remoteSilent);
    });
    const again = openStore(file);
    try {
      const status = Object.fromEntries(again.listRuns().map((r) => [r.name, r.status]));
      expect(status).toEqual({
        mine: 'running',
        'silent-here': 'interrupted',
        'dead-pid': 'interrupted',
        'remote-fresh': 'running',
        'remote-silent': 'interrupted',
      });
      expect(again.getRun(ids[2]!).error).toBe(
        `interrupted: process ${dead} stopped without finishing the run`,
      );
      expect(again.getRun(ids[4]!).error).toBe(
        'interrupted: no sign of life from process 1 on gpu-box for 120 min',
      );
      // The live run keeps working, and its heartbeat moves.
      const before = again.getRun(ids[0]!).heartbeatAt!;
      again.appendEpoch(ids[0]!, sampleEpoch(1));
      expect(again.getRun(ids[0]!).heartbeatAt! >= before).toBe(true);
    } finally {
      again.close();
    }
    // A false alarm heals: the process that owns a run marked interrupted writes to it again.
    const revived = openStore(file, { staleAfterMs: 0 });
    try {
      expect(revived.recovered).toContain(ids[0]!);
      revived.appendEpoch(ids[0]!, sampleEpoch(2));
      expect(revived.getRun(ids[0]!)).toMatchObject({
        status: 'running',
        error: null,
        finishedAt: null,
        epochs: 2,
      });
      // ...but another process's interrupted run stays closed.
      expect(() => revived.appendEpoch(ids[2]!, sampleEpoch(1))).toThrow(/is interrupted, not running/);
    } finally {
      revived.close();
    }
    // A read-only open reports but never rewrites statuses.
    const ro = openStore(file, { readonly: true, staleAfterMs: 0 });
    expect(ro.recovered).toEqual([]);
    expect(ro.getRun(ids[0]!).status).toBe('running');
    ro.close();
  });

  it('a reader and two writers in separate processes never see SQLITE_BUSY', async () => {
    const file = join(dir, 'ser.sqlite');
    openStore(file).close();
    // All three start when `go` appears; the writers go on until each has written a run after
    // seeing the other's (so their writes interleave), the reader until the writers are done.
    const go = join(dir, 'go');
    const stop = join(dir, 'stop');
    const w1 = waitExit(startChild(['write', file, go, '100', '3']));
    const w2 = waitExit(startChild(['write', file, go, '100', '3']));
    const r1 = waitExit(startChild(['read', file, go, stop]));
    // GO only once all three are up and waiting (a condition, not a clock: under load a child's
    // start-up can take seconds, and a reader that starts after the writers finish sees nothing).
    await waitFor(
      () => readdirSync(dir).filter((f) => f.startsWith('go.') && f.endsWith('.ready')).length === 3,
    );
    writeFileSync(go, '');
    // This process reads too, as the app's runs view would while training runs elsewhere.
    const store = openStore(file);
    let localReads = 0;
    let writersDone = false;
    const writers = Promise.all([w1, w2]).finally(() => {
      writersDone = true;
      writeFileSync(stop, '');
    });
    while (!writersDone) {
      store.listRuns({ tag: 'concurrent' });
      localReads++;
      await new Promise((ok) => setTimeout(ok, 5));
    }
    const [[a, b], r] = await Promise.all([writers, r1]);
    for (const p of [a, b, r]) expect(p.code, p.err).toBe(0);
    type Writer = { runs: string[]; errors: string[]; interleaved: boolean };
    type Reader = { reads: number; errors: string[]; midway: number; writers: number };
    const [wa, wb] = [a, b].map((p) => lastJson<Writer>(p.out)) as [Writer, Writer];
    const rr = lastJson<Reader>(r.out);
    expect([...wa.errors, ...wb.errors, ...rr.errors]).toEqual([]);
    // The processes really overlapped (shown by what they saw, not by the clock): each writer wrote
    // a run after seeing the other's, and the reader read runs while the writers were writing.
    expect(wa.interleaved && wb.interleaved).toBe(true);
    expect(rr.midway).toBeGreaterThan(0);
    expect(wa.runs.length).toBeGreaterThan(2);
    expect(wb.runs.length).toBeGreaterThan(2);
    expect(localReads).toBeGreaterThan(0);
    const all = store.listRuns({ tag: 'concurrent' });
    expect(all).toHaveLength(wa.runs.length + wb.runs.length);
    expect(all.every((x) => x.status === 'completed' && x.epochs === 100)).toBe(true);
    expect(store.integrityCheck()).toEqual(['ok']);
    store.close();
  }, 60_000);
});
