/** `ser features`, run as users run it (node bin/ser.mjs). */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  HAVE_RAVDESS,
  HAVE_REFERENCE,
  LIBROSA_REFERENCE,
  MISSING_DATA,
  REPO_ROOT,
  RAVDESS_16K,
} from '../helpers/shared-data.js';

const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'ser-features-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function ser(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/ser.mjs', ...args], {
      cwd: REPO_ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe.skipIf(!HAVE_RAVDESS || !HAVE_REFERENCE)(`ser features ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  const ref = HAVE_REFERENCE
    ? (JSON.parse(readFileSync(LIBROSA_REFERENCE, 'utf8')) as { clips: Record<string, unknown>[] })
    : null;
  const clip = ref?.clips[0] as { file: string; n_frames: number; mfcc: number[][] } | undefined;

  it('prints the config and every feature in the reference layout with --json', async () => {
    const { code, stdout } = await ser(['features', '--file', join(RAVDESS_16K, clip!.file), '--json']);
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as {
      config: { sampleRate: number };
      file: string;
      n_frames: number;
      features: Record<string, number[][]>;
    };
    expect(out.config.sampleRate).toBe(16000);
    expect(out.n_frames).toBe(clip!.n_frames);
    const refKeys = Object.keys(clip!).filter(
      (k) => !['file', 'n_samples', 'n_frames', 'first_samples'].includes(k),
    );
    // Every librosa feature, then our own F0 tracker's rows (no librosa counterpart).
    expect(Object.keys(out.features)).toEqual([...refKeys, 'pitch']);
    expect(out.features.pitch!.length).toBe(3);
    for (const key of refKeys) {
      const theirs = clip![key as 'mfcc'];
      expect(out.features[key]!.length).toBe(theirs.length);
      expect(out.features[key]![0]!.length).toBe(theirs[0]!.length);
    }
    expect(out.features.mfcc![1]![40]).toBeCloseTo(clip!.mfcc[1]![40]!, 2);
  });

  it('prints a readable summary without --json', async () => {
    const { code, stdout } = await ser(['features', '--file', join(RAVDESS_16K, clip!.file)]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/frames: 111/);
    expect(stdout).toMatch(/spectral_contrast\s+7 x 111/);
  });

  it('takes a config file and names a bad field in one line', async () => {
    const good = join(tmp, 'good.json');
    writeFileSync(good, JSON.stringify({ features: ['mfcc', 'rms'], nMfcc: 13, deltas: 1 }));
    const ok = await ser(['features', '--file', join(RAVDESS_16K, clip!.file), '--config', good, '--json']);
    expect(ok.code).toBe(0);
    expect(Object.keys(JSON.parse(ok.stdout).features)).toEqual(['mfcc', 'mfcc_delta', 'rms', 'rms_delta']);

    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ nMels: 64, hopLength: -5 }));
    const r = await ser(['features', '--file', join(RAVDESS_16K, clip!.file), '--config', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^ser features: ValidationError: config bad\.json: hopLength: .+$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports a missing file without a stack trace', async () => {
    const r = await ser(['features', '--file', join(tmp, 'nope.wav')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^ser features: NotFound: file not found: .*nope\.wav$/);
  });
});
