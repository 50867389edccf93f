/**
 * `ser infer` with the bundled model (resources/models/default) on real clips, as a user runs
 * it: a label and probabilities per file; a bad file gets one line on stderr and a non-zero
 * exit while the good files still print.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNCERTAIN_BELOW } from '../../src/shared/confidence.js';
import { SEED_EMOTIONS } from '../../src/shared/dataset.js';
import { HAVE_RAVDESS, MISSING_DATA, REPO_ROOT, ravdessClip } from '../helpers/shared-data.js';

const SER = join(REPO_ROOT, 'bin', 'ser.mjs');
const ANGRY = ravdessClip(12, '03-01-05-02-01-01-12.wav');
const SAD = ravdessClip(3, '03-01-04-01-02-02-03.wav');

function ser(args: string[]) {
  const r = spawnSync(process.execPath, [SER, ...args], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, last: lines[lines.length - 1] ?? '' };
}

describe.skipIf(!HAVE_RAVDESS)(`ser infer with the bundled model ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  let dir: string;
  let notAudio: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ser-infer-'));
    notAudio = join(dir, 'notes.txt');
    writeFileSync(notAudio, 'these are not the clips you are looking for\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints an emotion and the probability of each of the six for every file, exit 0', () => {
    const r = ser(['infer', '--file', ANGRY, '--file', SAD]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    // A confident answer names one emotion; an uncertain one (top probability under one half,
    // src/shared/confidence.ts) says so and names the two likeliest.
    const E = '(calm|happy|fearful|disgust|angry|sad)';
    expect(lines[0]).toMatch(
      new RegExp(
        `^03-01-05-02-01-01-12\\.wav: (${E} \\(\\d+\\.\\d%\\)|uncertain: ${E} \\d+\\.\\d% or ${E} \\d+\\.\\d%)`,
      ),
    );
    for (const e of SEED_EMOTIONS) expect(lines[0]).toContain(`${e} `);
  });

  it('--json gives one object with a prediction per file whose probabilities sum to 1', () => {
    const r = ser(['infer', '--file', ANGRY, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.last) as {
      model: { labels: string[] };
      backend: string;
      results: {
        ok: boolean;
        label: string;
        probabilities: Record<string, number>;
        duration: number;
        uncertain: boolean;
      }[];
    };
    expect(out.model.labels).toEqual([...SEED_EMOTIONS]);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(out.backend);
    const p = out.results[0]!;
    expect(p.ok).toBe(true);
    expect(SEED_EMOTIONS).toContain(p.label);
    expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(p.probabilities[p.label]).toBe(Math.max(...Object.values(p.probabilities)));
    expect(p.uncertain).toBe(p.probabilities[p.label]! < UNCERTAIN_BELOW);
    expect(p.duration).toBeGreaterThan(3);
  });

  it("applies a model's temperature: softmax(log p / T) of the raw probabilities, same answer", () => {
    // The bundled model folder twice: without a temperature (raw probabilities) and with T = 3
    // written into its meta.json (the bundled model has a fitted temperature of its own).
    const copy = (name: string, temperature: unknown): string => {
      const to = join(dir, name);
      cpSync(join(REPO_ROOT, 'resources', 'models', 'default'), to, { recursive: true });
      const meta = JSON.parse(readFileSync(join(to, 'meta.json'), 'utf8')) as Record<string, unknown>;
      delete meta.temperature;
      writeFileSync(join(to, 'meta.json'), JSON.stringify(temperature ? { ...meta, temperature } : meta));
      return to;
    };
    const report = { temperature: null, nll: 1, ece: 0.3 };
    const fit = { temperature: 3, clips: 96, before: report, after: { ...report, temperature: 3 } };
    const raw = copy('raw-model', null);
    const scaled = copy('scaled-model', { single: fit });
    type Out = { results: { label: string; probabilities: Record<string, number> }[] };
    const before = (JSON.parse(ser(['infer', '--file', ANGRY, '--model', raw, '--json']).last) as Out)
      .results[0]!;
    const r = ser(['infer', '--file', ANGRY, '--model', scaled, '--json']);
    expect(r.code).toBe(0);
    const after = (JSON.parse(r.last) as Out).results[0]!;
    expect(after.label).toBe(before.label);
    const z = SEED_EMOTIONS.map((e) => Math.log(Math.max(before.probabilities[e]!, 1e-30)) / 3);
    const sum = z.reduce((a, v) => a + Math.exp(v), 0);
    for (const [j, e] of SEED_EMOTIONS.entries())
      expect(after.probabilities[e]).toBeCloseTo(Math.exp(z[j]!) / sum, 4);
    // Softer: the answer's probability goes down.
    expect(after.probabilities[after.label]!).toBeLessThan(before.probabilities[before.label]!);
  });

  it('a bad file: one-line reason, non-zero exit, the good file still classified', () => {
    const missing = join(dir, 'gone.wav');
    const r = ser(['infer', '--file', notAudio, '--file', ANGRY, '--file', missing]);
    expect(r.code).toBe(1);
    const errs = r.stderr.trim().split('\n');
    expect(errs).toHaveLength(2);
    expect(errs[0]).toBe(`ser infer: ${notAudio}: DecodeError: not a WAV/MP3/FLAC/OGG file: notes.txt`);
    expect(errs[1]).toMatch(/^ser infer: .*gone\.wav: NotFound: /);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/^03-01-05-02-01-01-12\.wav: /);
  });

  it('refuses to run without a file (exit 2) and names a missing model in one line', () => {
    const a = ser(['infer']);
    expect(a.code).toBe(2);
    expect(a.stderr.split('\n')[0]).toBe('ser infer: --file: give at least one audio file');
    const b = ser(['infer', '--file', ANGRY, '--model', join(dir, 'no-model')]);
    expect(b.code).toBe(1);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
  });
});
