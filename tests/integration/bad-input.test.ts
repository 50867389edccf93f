/**
 * The bad-input corpus (tests/fixtures/bad-input.ts, generated at test time) through every route
 * a user has: `ser infer` (text and --json), `ser features`, the classify API, and training.
 * Targets: no prediction for anything that is not speech, no InternalError, no warning dropped,
 * a one-line reason naming the file. (Times and memory are measured by `npm run bench:bad-input`.)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../src/main/api/service.js';
import { encodeWav } from '../../src/main/audio/wav-encode.js';
import { makeBadInputCorpus, SPEECH_CLIP, type Corpus } from '../fixtures/bad-input.js';
import { HAVE_RAVDESS, MISSING_DATA, REPO_ROOT, linkRavdessSubset } from '../helpers/shared-data.js';

const SER = join(REPO_ROOT, 'bin', 'ser.mjs');
function ser(args: string[]) {
  const r = spawnSync(process.execPath, [SER, ...args], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, last: lines[lines.length - 1] ?? '' };
}

interface InferResult {
  ok: boolean;
  path: string;
  label?: string;
  warnings?: string[];
  error?: { code: string; message: string };
}

describe.skipIf(!HAVE_RAVDESS)(`bad input through every route ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  let root: string;
  let corpus: Corpus;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ser-bad-int-'));
    corpus = makeBadInputCorpus(join(root, 'corpus'));
    // A newline in a file name must not split infer's one line per file.
    copyFileSync(SPEECH_CLIP, join(corpus.dir, 'new\nline.wav'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const path = (name: string) => join(corpus.dir, name);

  it('ser infer --json: every non-speech file refused with its reason, damaged speech classified with its warning', () => {
    const r = ser(['infer', '--json', ...corpus.items.map((i) => path(i.name))]);
    const out = JSON.parse(r.last) as { results: InferResult[]; warnings: string[] };
    expect(out.results).toHaveLength(corpus.items.length);
    const wrong: string[] = [];
    corpus.items.forEach((item, i) => {
      const res = out.results[i]!;
      const got = !res.ok ? 'refuse' : res.warnings?.length ? 'warn' : 'ok';
      const text = res.ok ? (res.warnings ?? []).join(' | ') : `${res.error!.code}: ${res.error!.message}`;
      if (
        got !== item.expect ||
        res.error?.code === 'InternalError' ||
        (item.says && !text.includes(item.says))
      )
        wrong.push(`${item.name}: expected ${item.expect}, got ${got}: ${text}`);
      if (!res.ok && !res.error!.message.includes(item.name))
        wrong.push(`${item.name}: reason does not name it`);
    });
    expect(wrong).toEqual([]);
    const warned = corpus.items.filter((i) => i.expect === 'warn').length;
    expect(out.warnings).toHaveLength(warned);
    expect(r.code).toBe(1);
  });

  it('ser infer (text): one stdout line per classified file (a newline in a name escaped), each warning and refusal on stderr', () => {
    const picks = ['ok-speech.wav', 'wav-truncated.wav', 'sine-1k.wav', 'new\nline.wav', 'wav-rate-4G.wav'];
    const r = ser(['infer', ...picks.map(path)]);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^new\\nline\.wav: \w+ \(/);
    const err = r.stderr.trim().split('\n');
    expect(err.filter((l) => l.startsWith('warning: truncated WAV'))).toHaveLength(1);
    expect(err.some((l) => /sine-1k\.wav: NoSpeech: no speech: a steady tone/.test(l))).toBe(true);
    expect(err.some((l) => /wav-rate-4G\.wav: DecodeError: sample rate 4294967295 Hz/.test(l))).toBe(true);
    expect(r.stderr).not.toContain('InternalError');
  });

  it('ser features: damaged files keep their warning in JSON; broken headers are refused in one line', () => {
    const warn = ser(['features', '--file', path('wav-truncated.wav'), '--json']);
    expect(warn.code).toBe(0);
    expect((JSON.parse(warn.last) as { warnings: string[] }).warnings[0]).toMatch(/^truncated WAV/);
    for (const name of ['wav-rate-100M.wav']) {
      const r = ser(['features', '--file', path(name)]);
      expect(r.code, name).not.toBe(0);
      const lines = r.stderr.trim().split('\n');
      expect(lines, name).toHaveLength(1);
      expect(lines[0], name).toContain(name);
      expect(lines[0], name).not.toContain('InternalError');
    }
  });

  it('the classify API: an entry per file, refusals with their reason, warnings in the result', async () => {
    const svc = await createService({
      dbPath: join(root, 'svc', 'ser.sqlite'),
      modelsDir: join(root, 'svc', 'models'),
      settingsPath: join(root, 'svc', 'settings.json'),
      cacheDir: null,
      allowedRoots: [],
      platform: 'web',
    });
    try {
      const items = corpus.items.filter((i) => readFileSync(path(i.name)).length > 0);
      const res = await svc.call('classify', {
        files: items.map((i) => ({ name: i.name, bytes: new Uint8Array(readFileSync(path(i.name))) })),
      });
      const wrong: string[] = [];
      items.forEach((item, i) => {
        const e = res.results[i]!;
        const got = !e.ok ? 'refuse' : e.prediction.warnings?.length ? 'warn' : 'ok';
        if (got !== item.expect || (!e.ok && e.error.code === 'InternalError'))
          wrong.push(`${item.name}: expected ${item.expect}, got ${got}: ${e.ok ? '' : e.error.message}`);
      });
      expect(wrong).toEqual([]);
    } finally {
      await svc.close();
    }
  });

  it('training skips clips without speech, says how many and why (text and JSON), records them; runs show counts only used clips', () => {
    const data = linkRavdessSubset(join(root, 'data'), [1, 2, 3, 4], ['02', '05'], 4);
    // Bad clips under RAVDESS-style names outside the subset (strong intensity), so the scan takes them
    // as angry/calm clips. 'wx': the subset is symlinks to the shared data, never write through one.
    const add = (actor: string, name: string, bytes: Uint8Array) =>
      writeFileSync(join(data, actor, name), bytes, { flag: 'wx' });
    add('Actor_01', '03-01-05-02-02-02-01.wav', encodeWav(new Float32Array(48000), 16000));
    add('Actor_01', '03-01-02-02-02-02-01.wav', readFileSync(path('sine-150.wav')));
    add('Actor_02', '03-01-05-02-02-02-02.wav', readFileSync(path('wav-truncated.wav')));
    // The same recording filed under a second speaker: an actor split cannot keep it on one side.
    add(
      'Actor_03',
      '03-01-05-02-02-02-03.wav',
      readFileSync(join(data, 'Actor_01', '03-01-05-01-01-01-01.wav')),
    );
    const db = join(root, 'train.sqlite');
    const args = [
      'train',
      '--data',
      data,
      '--emotions',
      'calm,angry',
      '--model',
      'mlp',
      '--split',
      'actors',
      '--test-actors',
      '4',
      '--epochs',
      '3',
      '--augment',
      'none',
      '--db',
      db,
    ];
    const r = ser([...args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.last) as {
      runId: string;
      skipped: { path: string; reason: string }[];
      warnings: string[];
    };
    expect(out.skipped.map((s) => s.reason).sort()).toEqual([
      expect.stringMatching(
        /^Duplicate: identical audio is also filed under speaker 01 \(03-01-05-01-01-01-01\.wav\), kept there: 03-01-05-02-02-02-03\.wav$/,
      ),
      expect.stringMatching(/^NoSpeech: no speech: a steady tone .*: 03-01-02-02-02-02-01\.wav$/),
      expect.stringMatching(/^NoSpeech: no speech: digital silence .*: 03-01-05-02-02-02-01\.wav$/),
    ]);
    expect(out.warnings).toEqual([expect.stringMatching(/^truncated WAV.*03-01-05-02-02-02-02\.wav$/)]);
    const show = ser(['runs', 'show', out.runId, '--db', db]);
    // 4 actors x 2 emotions x 4 clips + 4 added, 3 of them skipped.
    expect(show.stdout).toMatch(/33 clips used, 3 skipped/);
    expect(show.stdout).toMatch(/skipped NoSpeech: no speech: digital silence/);
    // The text run says it too (the --json run keeps stderr quiet).
    const text = ser(args.map((a) => (a === '3' ? '1' : a)));
    expect(text.code).toBe(0);
    expect(text.stderr + text.stdout).toMatch(
      /skipped 3 of 36 clips: 2 with no speech, 1 duplicated under another speaker/,
    );
  });
});
