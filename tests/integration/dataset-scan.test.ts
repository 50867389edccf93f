/** Dataset scanning on the real RAVDESS set and on folder layouts built here, with every skip reason and error. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/main/audio/wav-encode.js';
import { parseRavdessName } from '../../src/shared/ravdess.js';
import { scanDataset } from '../../src/main/dataset/scan.js';
import { SEED_EMOTIONS } from '../../src/shared/dataset.js';
import { SerError } from '../../src/shared/errors.js';
import { HAVE_RAVDESS, MISSING_DATA, RAVDESS_16K } from '../helpers/shared-data.js';

const tmp = mkdtempSync(join(tmpdir(), 'ser-scan-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A distinct short clip per call (different tones), so no two files are duplicates unless meant to be. */
let toneNo = 0;
function clip(hz = 200 + 37 * toneNo++, seconds = 0.2): Uint8Array {
  return encodeWav(
    Float32Array.from(
      { length: Math.round(16000 * seconds) },
      (_, i) => 0.3 * Math.sin((2 * Math.PI * hz * i) / 16000),
    ),
    16000,
  );
}

function put(root: string, rel: string, bytes: Uint8Array | string): void {
  const p = join(root, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, bytes);
}

async function scanError(root: string, opts = {}): Promise<string> {
  const err = await scanDataset(root, opts).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SerError);
  expect((err as SerError).code).toBe('DatasetError');
  return (err as SerError).message;
}

describe.skipIf(!HAVE_RAVDESS)(`scan of RAVDESS 16 kHz ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  it('finds 1200 clips, 20 actors, 8 emotions with RAVDESS counts and weights', async () => {
    const t = performance.now();
    const s = await scanDataset(RAVDESS_16K);
    console.log(`scan 1200 clips: ${(performance.now() - t).toFixed(0)} ms`);
    expect(s.corpora.map((c) => c.detection.format)).toEqual(['ravdess']);
    expect(s.items.length).toBe(1200);
    expect(s.labels).toEqual(['neutral', 'calm', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised']);
    // Neutral has no strong-intensity take: 1 x 2 x 2 per actor, the others 2 x 2 x 2.
    expect(s.countsByLabel).toEqual({
      neutral: 80,
      calm: 160,
      happy: 160,
      sad: 160,
      angry: 160,
      fearful: 160,
      disgust: 160,
      surprised: 160,
    });
    expect(Object.keys(s.countsBySpeaker).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i + 1).padStart(2, '0')),
    );
    expect(Object.values(s.countsBySpeaker).every((n) => n === 60)).toBe(true);
    expect(s.classWeights.neutral).toBeCloseTo(1200 / (8 * 80), 12);
    expect(s.classWeights.calm).toBeCloseTo(1200 / (8 * 160), 12);
    expect(s.skipped).toEqual([]);
    expect(s.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const item = s.items.find((it) => it.path.endsWith('03-01-05-02-01-02-13.wav'))!;
    expect(item).toMatchObject({ label: 'angry', speaker: '13' });
    expect(item.ravdess).toEqual({
      modality: '03',
      channel: '01',
      emotion: '05',
      intensity: '02',
      statement: '01',
      repetition: '02',
      actor: '13',
    });
    // The known duplicate of the release (identical audio, different dither after SoX).
    expect(s.warnings).toEqual([
      'identical audio in 2 files (a copy can land in both train and test): Actor_07/03-01-03-01-02-01-07.wav = Actor_07/03-01-03-01-02-02-07.wav',
    ]);
  });

  it('with the six seed emotions keeps 6 x 20 actors x 8 takes = 960 clips and says what it left out', async () => {
    const s = await scanDataset(RAVDESS_16K, { labels: [...SEED_EMOTIONS] });
    expect(s.items.length).toBe(960);
    expect(s.labels).toEqual([...SEED_EMOTIONS]);
    expect(Object.keys(s.countsByLabel)).toEqual([...SEED_EMOTIONS]);
    expect(Object.values(s.countsByLabel)).toEqual([160, 160, 160, 160, 160, 160]);
    expect(Object.values(s.classWeights)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(s.skippedByKind).toEqual({ 'label-filtered': 240 });
    expect(new Set(s.skipped.map((x) => x.reason))).toEqual(
      new Set(["label 'neutral' not selected", "label 'surprised' not selected"]),
    );
    const all = await scanDataset(RAVDESS_16K, { findDuplicates: false });
    expect(s.fingerprint).not.toBe(all.fingerprint);
    expect((await scanDataset(RAVDESS_16K, { labels: ['SAD', 'calm ', 'happy'] })).countsByLabel).toEqual({
      sad: 160,
      calm: 160,
      happy: 160,
    });
  });
});

describe('scan of folder layouts', () => {
  const root = join(tmp, 'folders');
  put(root, 'angry/a1.wav', clip());
  put(root, 'angry/a2.wav', clip());
  put(root, 'Calm/c1.wav', clip());
  put(root, 'Calm/no-extension', clip());
  put(root, 'angry/notes.wav', 'not audio, just text\n');
  put(root, 'angry/.DS_Store', 'x');
  put(root, 'angry/._a1.wav', 'AppleDouble');
  put(root, 'loose.wav', clip());
  put(root, 'README.md', '# data\n');
  symlinkSync(join(root, 'nowhere.wav'), join(root, 'angry', 'broken-link.wav'));

  it('labels by parent folder (lower-cased), recognises audio by content, and explains every skip', async () => {
    const s = await scanDataset(root);
    expect(s.corpora.map((c) => c.detection.format)).toEqual(['folders']);
    // The emotion vocabulary's order (src/shared/emotions.ts), as for every format.
    expect(s.labels).toEqual(['calm', 'angry']);
    expect(s.countsByLabel).toEqual({ calm: 2, angry: 2 });
    expect(s.items.map((it) => [it.path.slice(root.length + 1), it.label, it.speaker])).toEqual([
      ['Calm/c1.wav', 'calm', null],
      ['Calm/no-extension', 'calm', null],
      ['angry/a1.wav', 'angry', null],
      ['angry/a2.wav', 'angry', null],
    ]);
    expect(s.skipped.map((x) => [x.kind, x.path.slice(root.length + 1), x.reason])).toEqual([
      ['hidden', 'angry/.DS_Store', 'hidden file'],
      ['hidden', 'angry/._a1.wav', 'hidden file'],
      ['no-label-folder', 'loose.wav', 'not inside a label folder'],
      ['not-audio', 'README.md', 'not a WAV/MP3/FLAC/OGG file'],
      ['not-audio', 'angry/notes.wav', 'not a WAV/MP3/FLAC/OGG file'],
      ['unreadable', 'angry/broken-link.wav', 'cannot be read (ENOENT)'],
    ]);
    expect(s.skippedByKind).toEqual({ hidden: 2, 'no-label-folder': 1, 'not-audio': 2, unreadable: 1 });
    expect(s.warnings).toEqual([
      "label 'calm' has only 2 clips",
      "label 'angry' has only 2 clips",
      '1 file could not be read (see skipped)',
      'no speaker ids (one folder per emotion): splits by speaker are not possible, only random splits',
    ]);
    expect(s.countsBySpeaker).toEqual({});
  });

  it('takes an obvious speaker folder above the label folder, and warns about imbalance and copies', async () => {
    const r = join(tmp, 'speakers');
    const same = clip(440);
    for (const spk of ['Actor_01', 'Actor_02']) {
      for (let i = 0; i < 8; i++)
        put(r, `${spk}/happy/h${i}.wav`, i === 0 && spk === 'Actor_01' ? same : clip());
      put(r, `${spk}/sad/s0.wav`, spk === 'Actor_02' ? same : clip());
    }
    const s = await scanDataset(r);
    expect(s.countsBySpeaker).toEqual({ Actor_01: 9, Actor_02: 9 });
    expect(s.countsByLabel).toEqual({ happy: 16, sad: 2 });
    expect(s.classWeights.sad).toBeCloseTo(18 / (2 * 2), 12);
    expect(s.classWeights.happy).toBeCloseTo(18 / (2 * 16), 12);
    expect(s.warnings).toContain(
      "classes are imbalanced ('happy' 16 clips, 'sad' 2); class weights compensate",
    );
    expect(s.warnings).toContain(
      'identical audio in 2 files (a copy can land in both train and test): Actor_01/happy/h0.wav = Actor_02/sad/s0.wav',
    );
    // A folder that is not obviously a speaker ('train') is not taken for one.
    const t = join(tmp, 'split-named');
    put(t, 'train/angry/x.wav', clip());
    put(t, 'train/calm/y.wav', clip());
    expect((await scanDataset(t)).items.map((it) => it.speaker)).toEqual([null, null]);
  });

  it('the fingerprint follows paths, sizes and labels, not the scan order or time', async () => {
    const a = await scanDataset(root);
    expect((await scanDataset(root)).fingerprint).toBe(a.fingerprint);
    put(root, 'calm/c2.wav', clip());
    const b = await scanDataset(root);
    expect(b.fingerprint).not.toBe(a.fingerprint);
    rmSync(join(root, 'calm'), { recursive: true });
    expect((await scanDataset(root)).fingerprint).toBe(a.fingerprint);
  });

  it('RAVDESS layout reports stray files whose names do not parse', async () => {
    const r = join(tmp, 'ravdess-like');
    put(r, 'Actor_01/03-01-05-01-01-01-01.wav', clip());
    put(r, 'Actor_01/03-01-03-01-01-01-01.wav', clip());
    put(r, 'Actor_02/03-01-03-01-01-01-02.wav', clip());
    put(r, 'Actor_01/03-01-09-01-01-01-01.wav', clip()); // emotion 09 does not exist
    put(r, 'Actor_01/take-3.wav', clip());
    const s = await scanDataset(r);
    expect(s.corpora.map((c) => c.detection.format)).toEqual(['ravdess']);
    expect(s.countsByLabel).toEqual({ happy: 2, angry: 1 });
    expect(s.countsBySpeaker).toEqual({ '01': 2, '02': 1 });
    expect(s.skippedByKind).toEqual({ 'unparseable-name': 2 });
    expect(parseRavdessName('03-01-09-01-01-01-01.wav')).toBeNull();
    expect(parseRavdessName('03-01-08-02-02-02-24.wav')?.emotion).toBe('08');
  });
});

describe('scan errors are DatasetErrors that say what is wrong', () => {
  it('missing path, a file, an empty folder, a folder without audio', async () => {
    expect(await scanError(join(tmp, 'absent'))).toBe(`folder not found: ${join(tmp, 'absent')}`);
    put(tmp, 'file.wav', clip());
    expect(await scanError(join(tmp, 'file.wav'))).toBe(
      `not a folder or a .csv/.tsv manifest: ${join(tmp, 'file.wav')}`,
    );
    mkdirSync(join(tmp, 'empty'));
    expect(await scanError(join(tmp, 'empty'))).toBe(
      `no audio files (WAV/MP3/FLAC/OGG) in ${join(tmp, 'empty')}`,
    );
    put(tmp, 'texts/a/notes.wav', 'hello');
    put(tmp, 'texts/b/readme.txt', 'hello');
    expect(await scanError(join(tmp, 'texts'))).toBe(
      `no audio files (WAV/MP3/FLAC/OGG) in ${join(tmp, 'texts')} (2 other files: 2 not-audio)`,
    );
  });

  it('a single class, and labels that match nothing', async () => {
    const r = join(tmp, 'one-class');
    put(r, 'angry/a.wav', clip());
    put(r, 'angry/b.wav', clip());
    expect(await scanError(r)).toBe(
      `only one class ('angry', 2 clips) in ${r}: a classifier needs at least 2 (put each label’s clips in its own folder)`,
    );
    expect((await scanDataset(r, { minClasses: 1 })).items.length).toBe(2);
    expect(await scanError(r, { labels: ['calm', 'sad'] })).toBe(
      `none of the labels calm, sad in ${r} (labels here: angry)`,
    );
    put(r, 'calm/c.wav', clip());
    const s = await scanDataset(r, { labels: ['calm', 'angry', 'sad'] });
    expect(s.labels).toEqual(['calm', 'angry']);
    expect(s.warnings[0]).toBe('label not found: sad (labels here: calm, angry)');
  });
});
