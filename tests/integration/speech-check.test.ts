/**
 * The speech check and the decoder's limits on the bad-input corpus (tests/fixtures/bad-input.ts),
 * and the check against every real RAVDESS clip (all 1200 must pass: training depends on it).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SerError } from '../../src/shared/errors.js';
import { decodeFile } from '../../src/main/audio/decode.js';
import { cachedPlans, resample } from '../../src/main/audio/resample.js';
import { MIN_VOICED_SECONDS, speechVerdict } from '../../src/main/audio/speech.js';
import { makeBadInputCorpus, type Corpus } from '../fixtures/bad-input.js';
import { HAVE_RAVDESS, MISSING_DATA, RAVDESS_16K } from '../helpers/shared-data.js';

describe.skipIf(!HAVE_RAVDESS)(`speech check on RAVDESS ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  it('passes every one of the 1200 RAVDESS clips, with margin', async () => {
    const voiced: number[] = [];
    const failed: string[] = [];
    for (const actor of readdirSync(RAVDESS_16K).filter((d) => d.startsWith('Actor_'))) {
      for (const f of readdirSync(join(RAVDESS_16K, actor))) {
        const a = await decodeFile(join(RAVDESS_16K, actor, f));
        const v = speechVerdict(a.samples, a.sampleRate);
        voiced.push(v.stats.voicedSeconds);
        if (!v.ok) failed.push(`${f}: ${v.reason}`);
      }
    }
    expect(voiced.length).toBe(1200);
    expect(failed).toEqual([]);
    // Measured minimum 0.74 s voiced: a third above the threshold.
    expect(Math.min(...voiced)).toBeGreaterThan(MIN_VOICED_SECONDS * 1.3);
  });
});

describe.skipIf(!HAVE_RAVDESS)(
  `bad-input corpus through decode + speech check ${HAVE_RAVDESS ? '' : MISSING_DATA}`,
  () => {
    let corpus: Corpus;
    beforeAll(() => {
      corpus = makeBadInputCorpus(mkdtempSync(join(tmpdir(), 'ser-bad-')));
    });
    afterAll(() => rmSync(corpus.dir, { recursive: true, force: true }));

    it('refuses every non-speech kind with a one-line reason naming the file; damaged speech keeps its warning', async () => {
      expect(corpus.items.length).toBeGreaterThanOrEqual(60);
      const wrong: string[] = [];
      for (const item of corpus.items) {
        let outcome: { kind: 'refuse' | 'warn' | 'ok'; text: string };
        try {
          const a = await decodeFile(join(corpus.dir, item.name), { targetRate: 16000 });
          const v = speechVerdict(a.samples, a.sampleRate);
          if (!v.ok) outcome = { kind: 'refuse', text: `${v.reason}: ${item.name}` };
          else outcome = { kind: a.warnings.length ? 'warn' : 'ok', text: a.warnings.join(' | ') };
        } catch (err) {
          if (!(err instanceof SerError) || err.code === 'InternalError') throw err;
          outcome = { kind: 'refuse', text: err.message };
        }
        const oneLine = !outcome.text.includes('\n');
        const named = outcome.kind === 'ok' || outcome.text.includes(item.name);
        const says = !item.says || outcome.text.includes(item.says);
        if (outcome.kind !== item.expect || !oneLine || !named || !says) {
          wrong.push(
            `${item.name} (${item.what}): expected ${item.expect}${item.says ? ` "${item.says}"` : ''}, got ${outcome.kind}: ${outcome.text}`,
          );
        }
      }
      expect(wrong).toEqual([]);
    });
  },
);

describe('resampler limits', () => {
  it('keeps at most 8 plans however many odd rates arrive', () => {
    const x = new Float32Array(1000).fill(0.1);
    for (let r = 44101; r < 44101 + 12; r++) resample(x, r, 16000);
    expect(cachedPlans()).toBeLessThanOrEqual(8);
  });
  it('refuses to build a filter for a 100 MHz source instead of allocating gigabytes', () => {
    expect(() => resample(new Float32Array(100), 100_000_007, 16000)).toThrow(/over the limit/);
  });
});
