/**
 * Each dataset adapter on a folder generated here in its naming scheme (tiny tones under the
 * corpus's file names: scanning reads names and sniffs content, so no corpus audio is needed):
 * detection and its reason, `format` overriding it, the mapping onto the emotion vocabulary and
 * what each adapter dropped; and the CSV/TSV manifest with hostile and broken rows.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/main/audio/wav-encode.js';
import { scanDataset } from '../../src/main/dataset/scan.js';
import { SerError } from '../../src/shared/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'ser-adapters-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let toneNo = 0;
/** A distinct short tone per call, so no two files are duplicates. */
function tone(): Uint8Array {
  const hz = 150 + 23 * toneNo++;
  return encodeWav(
    Float32Array.from({ length: 1600 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * hz * i) / 16000)),
    16000,
  );
}

function corpus(name: string, files: string[]): string {
  const root = join(tmp, name);
  for (const rel of files) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), tone());
  }
  return root;
}

const mapped = (s: Awaited<ReturnType<typeof scanDataset>>) =>
  Object.fromEntries(s.corpora[0]!.labelMap.map((m) => [m.source, m.label]));
const rows = (s: Awaited<ReturnType<typeof scanDataset>>) =>
  s.items.map((it) => [it.path.split('/').pop(), it.label, it.speaker]);

describe('dataset adapters on generated files, one per naming scheme', () => {
  it('CREMA-D: speaker from the first field, six codes; an unknown code is dropped and said', async () => {
    const root = corpus('crema', [
      '1001_DFA_ANG_XX.wav',
      '1001_IEO_HAP_HI.wav',
      '1002_DFA_SAD_LO.wav',
      '1002_ITS_NEU_XX.wav',
      '1003_TIE_FEA_MD.wav',
      '1003_TSI_DIS_XX.wav',
      '1003_TSI_BOR_XX.wav',
    ]);
    const s = await scanDataset(root);
    expect(s.corpora[0]!.detection).toEqual({
      format: 'crema-d',
      reason: '7 of 7 audio files have CREMA-D names (1001_DFA_ANG_XX.wav)',
      given: false,
    });
    expect(s.corpora[0]!.name).toBe('crema');
    expect(rows(s)).toContainEqual(['1001_DFA_ANG_XX.wav', 'angry', '1001']);
    expect(mapped(s)).toEqual({
      ANG: 'angry',
      HAP: 'happy',
      SAD: 'sad',
      NEU: 'neutral',
      FEA: 'fearful',
      DIS: 'disgust',
      BOR: null,
    });
    expect(s.skipped).toEqual([
      {
        path: join(root, '1003_TSI_BOR_XX.wav'),
        kind: 'unknown-label',
        reason: "CREMA-D emotion 'BOR' maps onto no emotion (known: ANG DIS FEA HAP NEU SAD)",
      },
    ]);
    expect(s.labels).toEqual(['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgust']);
    expect(s.items.every((it) => it.corpus === 'crema')).toBe(true);
  });

  it("TESS: speaker OAF/YAF, 'ps' is surprised, the release's emotion folders ignored", async () => {
    const root = corpus('tess', [
      'OAF_angry/OAF_back_angry.wav',
      'OAF_Pleasant_surprise/OAF_back_ps.wav',
      'YAF_fear/YAF_dog_fear.wav',
      'YAF_sad/YAF_dog_sad.wav',
    ]);
    const s = await scanDataset(root);
    expect(s.corpora[0]!.detection.format).toBe('tess');
    expect(rows(s)).toEqual([
      ['OAF_back_ps.wav', 'surprised', 'OAF'],
      ['OAF_back_angry.wav', 'angry', 'OAF'],
      ['YAF_dog_fear.wav', 'fearful', 'YAF'],
      ['YAF_dog_sad.wav', 'sad', 'YAF'],
    ]);
    expect(mapped(s)).toEqual({ angry: 'angry', ps: 'surprised', fear: 'fearful', sad: 'sad' });
  });

  it('SAVEE: speaker folders (DC/a01.wav) or prefixes (JE_sa01.wav), letters a d f h n sa su', async () => {
    const folders = await scanDataset(
      corpus('savee-dirs', ['DC/a01.wav', 'DC/sa02.wav', 'KL/su03.wav', 'KL/h01.wav']),
    );
    expect(folders.corpora[0]!.detection.format).toBe('savee');
    expect(rows(folders)).toEqual([
      ['a01.wav', 'angry', 'DC'],
      ['sa02.wav', 'sad', 'DC'],
      ['h01.wav', 'happy', 'KL'],
      ['su03.wav', 'surprised', 'KL'],
    ]);
    const flat = await scanDataset(
      corpus('savee-flat', ['JE_n01.wav', 'JE_d02.wav', 'JK_f01.wav', 'JK_x01.wav']),
    );
    expect(flat.corpora[0]!.detection.format).toBe('savee');
    expect(rows(flat)).toEqual([
      ['JE_d02.wav', 'disgust', 'JE'],
      ['JE_n01.wav', 'neutral', 'JE'],
      ['JK_f01.wav', 'fearful', 'JK'],
    ]);
    expect(mapped(flat)).toMatchObject({ x: null });
  });

  it('EmoDB: speaker 03, German emotion letters W L E A F T N, boredom kept', async () => {
    const s = await scanDataset(
      corpus('emodb', [
        '03a01Wa.wav',
        '03a02La.wav',
        '08b01Eb.wav',
        '08b02Ta.wav',
        '09a04Fd.wav',
        '09a05Nc.wav',
        '10a01Ab.wav',
      ]),
    );
    expect(s.corpora[0]!.detection.format).toBe('emodb');
    expect(mapped(s)).toEqual({
      W: 'angry',
      L: 'boredom',
      E: 'disgust',
      T: 'sad',
      F: 'happy',
      N: 'neutral',
      A: 'fearful',
    });
    expect(rows(s)).toContainEqual(['03a02La.wav', 'boredom', '03']);
    expect(s.labels.at(-1)).toBe('boredom');
  });

  it('RAVDESS names stay RAVDESS (emotion code, actor), with their metadata', async () => {
    const s = await scanDataset(
      corpus('rav', ['Actor_01/03-01-05-01-01-01-01.wav', 'Actor_02/03-01-02-01-01-01-02.wav', 'stray.wav']),
    );
    expect(s.corpora[0]!.detection).toMatchObject({
      format: 'ravdess',
      reason: '2 of 3 audio files have RAVDESS names (03-01-05-01-02-01-12.wav)',
    });
    expect(rows(s)).toEqual([
      ['03-01-05-01-01-01-01.wav', 'angry', '01'],
      ['03-01-02-01-01-01-02.wav', 'calm', '02'],
    ]);
    expect(s.items[0]!.ravdess?.emotion).toBe('05');
    expect(s.skipped.map((x) => x.kind)).toEqual(['unparseable-name']);
  });

  it('folder per emotion: emotion words mapped (Anger -> angry), other labels kept and said', async () => {
    const s = await scanDataset(
      corpus('mine', [
        'spk1/Anger/a.wav',
        'spk1/happiness/b.wav',
        'spk2/frustrated/c.wav',
        'spk2/anger/d.wav',
      ]),
    );
    expect(s.corpora[0]!.detection).toMatchObject({
      format: 'folders',
      reason: '3 of 4 audio files are in folders named for an emotion',
    });
    expect(s.labels).toEqual(['happy', 'angry', 'frustrated']);
    expect(mapped(s)).toEqual({
      Anger: 'angry',
      happiness: 'happy',
      frustrated: 'frustrated',
      anger: 'angry',
    });
    expect(s.warnings).toContain(
      'label outside the emotion vocabulary kept as named: frustrated (another corpus shares a label only when spelt the same)',
    );
    // The labels filter takes emotion words too.
    expect((await scanDataset(join(tmp, 'mine'), { labels: ['anger', 'joy'] })).countsByLabel).toEqual({
      angry: 2,
      happy: 1,
    });
  });

  it('format given overrides detection and says so; files outside its scheme are skipped with the scheme', async () => {
    const root = corpus('mixed', [
      'angry/03a01Wa.wav',
      'angry/03a02Wb.wav',
      'sad/03a01Ta.wav',
      'sad/other.wav',
    ]);
    expect((await scanDataset(root)).corpora[0]!.detection.format).toBe('emodb');
    const s = await scanDataset(root, { format: 'folders' });
    expect(s.corpora[0]!.detection).toEqual({
      format: 'folders',
      reason: 'format given: one folder per emotion',
      given: true,
    });
    expect(s.countsByLabel).toEqual({ sad: 2, angry: 2 });
    const e = await scanDataset(root, { format: 'emodb', minClasses: 1 });
    expect(e.skipped).toEqual([
      {
        path: join(root, 'sad/other.wav'),
        kind: 'unparseable-name',
        reason: 'name is not a EmoDB name (03a01Wa.wav)',
      },
    ]);
  });
});

describe('CSV/TSV manifest', () => {
  const root = corpus('own', ['clips/a.wav', 'clips/b.wav', 'clips/c.wav', 'clips/d.wav', 'clips/e.wav']);
  const outside = corpus('elsewhere', ['x.wav']);
  writeFileSync(join(root, 'clips', 'notes.wav'), 'text, not audio\n');
  symlinkSync(join(outside, 'x.wav'), join(root, 'clips', 'link.wav'));
  const manifest = [
    'path,emotion,speaker,corpus',
    'clips/a.wav,angry,s1,',
    '"clips/b.wav",Happiness,s1,',
    'clips/c.wav,sad,s2,',
    'clips/d.wav,angry,s2,other',
    'clips/e.wav,sad,s1,other',
    'clips/missing.wav,sad,s1,',
    '../elsewhere/x.wav,sad,s1,',
    'clips/link.wav,sad,s1,',
    `${join(outside, 'x.wav')},sad,s1,`,
    'clips/notes.wav,sad,s1,',
    'clips/a.wav,sad,s1,',
    ',sad,s1,',
    'clips/c.wav,,s1,',
    'clips/c.wav,sad',
  ].join('\n');
  writeFileSync(join(root, 'labels.csv'), `${manifest}\n`);

  it('reads rows relative to the manifest, namespaces two corpora, and refuses every bad row in one line naming file and row', async () => {
    const s = await scanDataset(root);
    expect(s.corpora.map((c) => [c.name, c.detection.format])).toEqual([
      ['own', 'manifest'],
      ['other', 'manifest'],
    ]);
    expect(s.corpora[0]!.detection.reason).toBe(
      'manifest labels.csv at the top of the folder (path, emotion, speaker, corpus)',
    );
    expect(s.items.map((it) => [it.path.slice(root.length + 1), it.label, it.speaker, it.corpus])).toEqual([
      ['clips/a.wav', 'angry', 'own/s1', 'own'],
      ['clips/b.wav', 'happy', 'own/s1', 'own'],
      ['clips/c.wav', 'sad', 'own/s2', 'own'],
      ['clips/d.wav', 'angry', 'other/s2', 'other'],
      ['clips/e.wav', 'sad', 'other/s1', 'other'],
    ]);
    const allowed = `outside the allowed folders (${root})`;
    // In row order, whatever order the checks finished in.
    expect(s.skipped.map((x) => x.reason)).toEqual([
      'labels.csv row 7: clips/missing.wav: file not found',
      `labels.csv row 8: ../elsewhere/x.wav: ${allowed}`,
      `labels.csv row 9: clips/link.wav: ${allowed}`,
      `labels.csv row 10: ${join(outside, 'x.wav')}: ${allowed}`,
      'labels.csv row 11: clips/notes.wav: not a WAV/MP3/FLAC/OGG file',
      'labels.csv row 12: clips/a.wav: listed again (first on row 2)',
      'labels.csv row 13: no path',
      'labels.csv row 14: clips/c.wav: no emotion',
      'labels.csv row 15: 2 fields, the header has 4',
    ]);
    expect(s.skipped.every((x) => x.kind === 'bad-row' && x.path === join(root, 'labels.csv'))).toBe(true);
    // The allowed folders widen the rows' reach (the app passes its chosen folders).
    const wide = await scanDataset(join(root, 'labels.csv'), { roots: [root, outside] });
    expect(wide.corpora[0]!.detection.reason).toBe(
      'a manifest file was given (path, emotion, speaker, corpus)',
    );
    expect(wide.items).toHaveLength(6);
  });

  it('TSV, a header without the needed columns, and a manifest with no usable rows', async () => {
    const dir = corpus('tsv', ['a.wav', 'b.wav']);
    writeFileSync(join(dir, 'm.tsv'), 'file\tlabel\na.wav\tcalm\nb.wav\tangry\n');
    const s = await scanDataset(join(dir, 'm.tsv'));
    expect(s.items.map((it) => [it.label, it.speaker])).toEqual([
      ['calm', null],
      ['angry', null],
    ]);
    writeFileSync(join(dir, 'bad.csv'), 'name,mood\na.wav,calm\n');
    const err = await scanDataset(join(dir, 'bad.csv')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SerError);
    expect((err as SerError).message).toBe(
      "bad.csv: header has no 'path' or 'emotion' column (header: name, mood)",
    );
    writeFileSync(join(dir, 'none.csv'), 'path,emotion\nmissing.wav,calm\n');
    expect(((await scanDataset(join(dir, 'none.csv')).catch((e: unknown) => e)) as SerError).message).toBe(
      `no usable rows in ${join(dir, 'none.csv')}: none.csv row 2: missing.wav: file not found`,
    );
  });
});
