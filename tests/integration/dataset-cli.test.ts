/** `ser scan`: the table, --json, --emotions, and errors as one line with a non-zero exit. */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { encodeWav } from '../../src/main/audio/wav-encode.js';
import { main } from '../../src/main/cli/index.js';
import type { DatasetScan } from '../../src/shared/dataset.js';
import { HAVE_RAVDESS, MISSING_DATA, RAVDESS_16K } from '../helpers/shared-data.js';

const tmp = mkdtempSync(join(tmpdir(), 'ser-scan-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Run `ser ...` in-process, capturing what it prints. */
async function ser(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += `${a.join(' ')}\n`));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (err += `${a.join(' ')}\n`));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, out, err };
}

describe('ser scan on a folder layout', () => {
  const root = join(tmp, 'data');
  for (const [label, n] of [
    ['angry', 3],
    ['calm', 12],
  ] as const) {
    mkdirSync(join(root, label), { recursive: true });
    for (let i = 0; i < n; i++) {
      const hz = 150 + 20 * i + (label === 'calm' ? 7 : 0);
      const x = Float32Array.from({ length: 1600 }, (_, k) => 0.2 * Math.sin((2 * Math.PI * hz * k) / 16000));
      writeFileSync(join(root, label, `${i}.wav`), encodeWav(x, 16000));
    }
  }
  writeFileSync(join(root, 'angry', 'notes.wav'), 'text');

  it('prints counts, weights, skipped files and warnings', async () => {
    const { code, out } = await ser('scan', '--data', root);
    expect(code).toBe(0);
    expect(out).toContain('15 clips, 2 labels, no speakers\n');
    expect(out).toContain(
      'one folder per emotion (detected: 15 of 15 audio files are in folders named for an emotion)',
    );
    expect(out).toMatch(
      /label\s+clips\s+share\s+weight\ncalm\s+12\s+80\.0%\s+0\.625\nangry\s+3\s+20\.0%\s+2\.500/,
    );
    expect(out).toContain(
      'skipped 1 files:\n  1 not audio\n    angry/notes.wav: not a WAV/MP3/FLAC/OGG file',
    );
    expect(out).toContain("warning: label 'angry' has only 3 clips");
    expect(out).toContain(
      "warning: classes are imbalanced ('calm' 12 clips, 'angry' 3); class weights compensate",
    );
    expect(out).toMatch(/fingerprint [0-9a-f]{64}\n$/);
  });

  it('--json prints the scan; --emotions filters it', async () => {
    const { code, out } = await ser('scan', '--data', root, '--emotions', 'calm,ANGRY', '--json');
    expect(code).toBe(0);
    const scan = JSON.parse(out) as DatasetScan;
    expect(scan.labels).toEqual(['calm', 'angry']);
    expect(scan.items.length).toBe(15);
    expect(scan.classWeights).toEqual({ calm: 0.625, angry: 2.5 });
  });

  it('errors are one line with exit code 1 (2 for usage errors); bad flags name the problem', async () => {
    const missing = await ser('scan', '--data', join(tmp, 'nope'));
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(`ser scan: DatasetError: folder not found: ${join(tmp, 'nope')}\n`);
    const single = await ser('scan', '--data', root, '--emotions', 'calm');
    expect(single.code).toBe(1);
    expect(single.err).toMatch(/^ser scan: DatasetError: only one class \('calm', 12 clips\)/);
    const noData = await ser('scan');
    expect(noData.code).toBe(2);
    expect(noData.err).toMatch(/^ser scan: --data is required/);
    const bad = await ser('scan', '--data', root, '--emotions', 'a;b');
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(
      'ser scan: --emotions: labels are words (letters, digits, - _)\n(ser scan --help for the options)\n',
    );
    const unknown = await ser('scan', '--dta', root);
    expect(unknown.err).toMatch(/^ser scan: Unknown option '--dta'/);
    expect(unknown.code).toBe(2);
  });
});

describe.skipIf(!HAVE_RAVDESS)(`ser scan on RAVDESS ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  it('the six seed emotions: 960 clips, 20 speakers, the rest listed by label', async () => {
    const { code, out } = await ser(
      'scan',
      '--data',
      RAVDESS_16K,
      '--emotions',
      'calm,happy,fearful,disgust,angry,sad',
    );
    expect(code).toBe(0);
    expect(out).toContain('960 clips, 6 labels, 20 speakers\n');
    expect(out).toContain(
      'corpus ravdess-16k: RAVDESS (detected: 1200 of 1200 audio files have RAVDESS names (03-01-05-01-02-01-12.wav))',
    );
    expect(out).toContain(
      `speakers: ${Array.from({ length: 20 }, (_, i) => `${String(i + 1).padStart(2, '0')}:48`).join(' ')}`,
    );
    expect(out).toContain('skipped 240 files:\n  240 labels not selected: neutral 80, surprised 160');
    expect(out).toContain('warning: identical audio in 2 files');
  });
});
