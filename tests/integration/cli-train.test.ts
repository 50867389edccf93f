/**
 * `ser train` and `ser evaluate` as a user runs them (child processes, real clips, a real
 * SQLite store): the --json contract, bad flags, Ctrl-C recorded as a cancelled run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/main/store/run-store.js';
import { HAVE_RAVDESS, MISSING_DATA, REPO_ROOT, linkRavdessSubset } from '../helpers/shared-data.js';

const SER = join(REPO_ROOT, 'bin', 'ser.mjs');

function ser(args: string[]) {
  const r = spawnSync(process.execPath, [SER, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SER_DB: '' },
  });
  const lines = r.stdout.trim().split('\n');
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, last: lines[lines.length - 1] ?? '' };
}

describe.skipIf(!HAVE_RAVDESS)(`ser train / ser evaluate ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  let root: string;
  let data: string;
  let db: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ser-cli-train-'));
    data = linkRavdessSubset(join(root, 'data'), [1, 2, 3, 4, 5, 6], ['02', '05', '04']); // calm, angry, sad
    db = join(root, 'runs.sqlite');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  /** `ser train` on the three emotions of the linked subset. */
  const trainOnThree = () => ['train', '--data', data, '--emotions', 'calm,angry,sad'];

  it('trains the MLP baseline and prints the result as the last JSON line; evaluate reads the run back', () => {
    const r = ser([
      ...trainOnThree(),
      '--model',
      'mlp',
      // Global: its test evaluation and `ser evaluate` then see each clip alone (a per-speaker
      // model's test clips are calibrated by their speakers; evaluate without --calibrate is not).
      '--normalization',
      'global',
      '--split',
      'actors',
      '--test-actors',
      '5-6',
      '--epochs',
      '15',
      '--augment',
      'none',
      '--db',
      db,
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.last) as Record<string, unknown>;
    expect(out).toMatchObject({ status: 'completed', labels: ['calm', 'angry', 'sad'], n: 48 });
    for (const k of ['runId', 'testAccuracy', 'macroF1', 'confusion', 'backend', 'seconds'])
      expect(out).toHaveProperty(k);
    // Three classes: chance is 33%.
    expect(out.testAccuracy as number).toBeGreaterThan(0.5);
    expect((out.confusion as number[][]).flat().reduce((a, b) => a + b, 0)).toBe(48);

    const e = ser([
      'evaluate',
      '--model',
      (out.runId as string).slice(0, 8),
      '--data',
      data,
      '--actors',
      '5,6',
      '--db',
      db,
      '--json',
    ]);
    expect(e.code).toBe(0);
    const ev = JSON.parse(e.last) as Record<string, unknown>;
    expect(ev).toMatchObject({ n: 48, labels: ['calm', 'angry', 'sad'] });
    // The same model on the same clips: the same accuracy as the training run measured.
    expect(ev.accuracy).toBeCloseTo(out.testAccuracy as number, 10);
    expect(ev.recorded).toMatchObject({ runId: out.runId });

    // `ser runs show --json`: the protocol, accuracy per test speaker, and every clip of both evaluations.
    const s = ser(['runs', 'show', (out.runId as string).slice(0, 8), '--db', db, '--json']);
    expect(s.code).toBe(0);
    const shown = JSON.parse(s.last) as {
      protocol: { kind: string; sentence: string };
      speakers: { speaker: string; n: number; accuracy: number }[];
      clipEvaluations: { kind: string; clips: { speaker: string; label: string; predicted: string }[] }[];
    };
    expect(shown.protocol).toMatchObject({
      kind: 'speaker-independent',
      sentence: 'Tested on speakers 5,6, never heard in training.',
    });
    expect(shown.speakers.map((x) => [x.speaker, x.n])).toEqual([
      ['05', 24],
      ['06', 24],
    ]);
    const mean = (shown.speakers[0]!.accuracy + shown.speakers[1]!.accuracy) / 2;
    expect(mean).toBeCloseTo(out.testAccuracy as number, 10);
    expect(shown.clipEvaluations.map((x) => [x.kind, x.clips.length])).toEqual([
      ['test', 48],
      ['evaluate', 48],
    ]);
    // The text output names the protocol first and lists accuracy per speaker.
    const text = ser(['runs', 'show', (out.runId as string).slice(0, 8), '--db', db]).stdout;
    expect(text.split('\n')[0]).toBe('Tested on speakers 5,6, never heard in training.');
    expect(text).toMatch(/accuracy per test speaker\n\s+SPEAKER\s+CORRECT\s+ACC\n\s+05\s+\d+\/24\s+\d+\.\d%/);
    expect(text).toMatch(/evaluated .* \(speakers 5,6\): \d+\/48 = /);
  });

  it('--seeds trains once per seed and reports accuracy and UAR mean ± std over them', () => {
    const r = ser([
      ...trainOnThree(),
      '--split',
      'kfold',
      '--folds',
      '2',
      '--epochs',
      '5',
      '--augment',
      'none',
      '--seeds',
      '1,2',
      '--no-save',
      '--db',
      db,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.last) as {
      status: string;
      seeds: number[];
      measure: string;
      accuracy: { mean: number; std: number };
      uar: { mean: number; std: number };
      runs: { seed: number; foldAccuracy: { mean: number }; foldUar: { mean: number }; folds: unknown[] }[];
    };
    expect(out).toMatchObject({ status: 'completed', seeds: [1, 2], measure: 'mean over folds' });
    expect(out.runs.map((x) => [x.seed, x.folds.length])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    const accs = out.runs.map((x) => x.foldAccuracy.mean);
    expect(out.accuracy.mean).toBeCloseTo((accs[0]! + accs[1]!) / 2, 10);
    expect(out.accuracy.std).toBeCloseTo(Math.abs(accs[0]! - accs[1]!) / 2, 10);
    expect(out.uar.mean).toBeCloseTo((out.runs[0]!.foldUar.mean + out.runs[1]!.foldUar.mean) / 2, 10);
  });

  it('refuses bad flags with one line and exit code 2', () => {
    const s = ser(['train', '--data', data, '--seed', '1', '--seeds', '1,2']);
    expect(s.code).toBe(2);
    expect(s.stderr.split('\n')[0]).toBe('ser train: give --seed or --seeds, not both');
    const a = ser(['train', '--data', data, '--split', 'sideways']);
    expect(a.code).toBe(2);
    expect(a.stderr.split('\n')[0]).toBe('ser train: --split: takes random, actors or kfold');
    const b = ser(['train', '--epochs', '3']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/^ser train: --data: is required/);
    const c = ser(['train', '--data', data, '--bogus']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/^ser train: Unknown option '--bogus'/);
    const d = ser(['evaluate', '--model', join(root, 'nope'), '--data', data]);
    expect(d.code).toBe(1);
    expect(d.stderr.trim().split('\n')).toHaveLength(1);
    expect(d.stderr).toMatch(/^ser evaluate: NotFound: no model folder or run id/);
  });

  it('Ctrl-C cancels cleanly: exit 130 and the run recorded as cancelled', async () => {
    const child = spawn(
      process.execPath,
      [
        SER,
        ...trainOnThree(),
        '--preset',
        'fast',
        '--split',
        'actors',
        '--test-actors',
        '6',
        '--epochs',
        '50',
        '--augment',
        'none',
        '--db',
        db,
        '--name',
        'interrupted',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && /epoch 1:/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    expect(sent).toBe(true);
    expect(code).toBe(130);
    expect(stderr).toMatch(/cancelling after the current batch/);
    const store = openStore(db, { readonly: true });
    try {
      const run = store.listRuns({}).find((x) => x.name === 'interrupted')!;
      expect(run.status).toBe('cancelled');
      expect(store.getRun(run.id).artifacts).toEqual([]);
    } finally {
      store.close();
    }
  });
});
