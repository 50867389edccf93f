/** Clip-level evaluation results in a real SQLite file: written with a run, read, exported, deleted. */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClipEvaluationInput, ClipResult } from '../../src/shared/clips.js';
import { describeProtocol, speakerAccuracy, speakerRanges } from '../../src/shared/clips.js';
import { openStore } from '../../src/main/store/index.js';
import { LABELS, sampleEpoch, sampleEvaluation, sampleRun } from './fixtures/store-sample.js';
import { raw, tempDir, thrown } from './fixtures/store-helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('clips')));
afterEach(() => cleanup());

/** A clip of `speaker` labelled `label`, predicted `predicted` with probability 0.6. */
function clip(i: number, speaker: string, label: string, predicted: string): ClipResult {
  const rest = 0.4 / (LABELS.length - 1);
  return {
    path: `/data/Actor_${speaker}/clip-${i}.wav`,
    speaker,
    label,
    predicted,
    probabilities: LABELS.map((l) => (l === predicted ? 0.6 : rest)),
  };
}

function fold(f: number, speakers: string[], wrongEvery: number): ClipEvaluationInput {
  const clips = speakers.flatMap((s, si) =>
    LABELS.map((l, li) => {
      const i = si * LABELS.length + li;
      return clip(i, s, l, i % wrongEvery === 0 ? LABELS[(li + 1) % LABELS.length]! : l);
    }),
  );
  return { kind: 'fold', fold: f, dataRoot: '/data', labels: LABELS, clips };
}

describe('clip-level results in the store', () => {
  it('stores every fold with its clips, reads them back in order, and derives accuracy per speaker', () => {
    const file = join(dir, 'ser.sqlite');
    const store = openStore(file);
    const id = store.createRun(sampleRun());
    store.appendEpoch(id, sampleEpoch(1));
    const folds = [fold(0, ['01', '02'], 3), fold(1, ['03', '04'], 4)];
    store.finishRun(id, {
      status: 'completed',
      evaluation: sampleEvaluation(LABELS, 20),
      clipEvaluations: folds,
    });
    store.close();

    const again = openStore(file, { readonly: true });
    const evals = again.getClipEvaluations(id);
    again.close();
    expect(evals.map((e) => [e.kind, e.fold, e.clips.length])).toEqual([
      ['fold', 0, 12],
      ['fold', 1, 12],
    ]);
    expect(evals[0]!.clips[0]).toEqual(folds[0]!.clips[0]);
    expect(evals[1]!.clips.map((c) => c.path)).toEqual(folds[1]!.clips.map((c) => c.path));
    // Fold 0 gets every third clip wrong (0, 3, 6, 9), fold 1 every fourth (0, 4, 8).
    expect(speakerAccuracy(evals.flatMap((e) => e.clips))).toEqual([
      { speaker: '01', n: 6, correct: 4, accuracy: 4 / 6 },
      { speaker: '02', n: 6, correct: 4, accuracy: 4 / 6 },
      { speaker: '03', n: 6, correct: 4, accuracy: 4 / 6 },
      { speaker: '04', n: 6, correct: 5, accuracy: 5 / 6 },
    ]);
    // The evaluation rows carry their own accuracy for quick queries.
    expect(raw(file, (db) => db.prepare('SELECT n, accuracy FROM evaluations ORDER BY id').all())).toEqual([
      { n: 12, accuracy: 8 / 12 },
      { n: 12, accuracy: 9 / 12 },
    ]);
  });

  it('adds later evaluations, refuses malformed ones naming the field, and deletes them with the run', () => {
    const file = join(dir, 'ser.sqlite');
    const store = openStore(file);
    const id = store.createRun(sampleRun());
    store.finishRun(id, {
      status: 'completed',
      clipEvaluations: [{ ...fold(0, ['23'], 2), kind: 'test', fold: null }],
    });
    const later = store.addEvaluation(id, { ...fold(0, ['24'], 5), kind: 'evaluate', fold: null });
    expect(later.kind).toBe('evaluate');
    expect(store.getClipEvaluations(id).map((e) => e.kind)).toEqual(['test', 'evaluate']);

    const bad = fold(0, ['24'], 5);
    bad.clips[2] = { ...bad.clips[2]!, probabilities: [1] };
    const err = thrown(() => store.addEvaluation(id, { ...bad, kind: 'evaluate', fold: null }));
    expect(err.code).toBe('ValidationError');
    expect(err.message).toMatch(/^invalid evaluation: clips: every clip needs one probability per label/);
    expect(thrown(() => store.getClipEvaluations('00000000-0000-4000-8000-000000000000')).code).toBe(
      'NotFound',
    );

    store.deleteRun(id);
    const left = raw(file, (db) => ({
      evaluations: (db.prepare('SELECT count(*) AS n FROM evaluations').get() as { n: number }).n,
      clips: (db.prepare('SELECT count(*) AS n FROM clip_results').get() as { n: number }).n,
    }));
    store.close();
    expect(left).toEqual({ evaluations: 0, clips: 0 });
  });

  it('carries clip results through export and import', () => {
    const a = openStore(join(dir, 'a.sqlite'));
    const id = a.createRun(sampleRun());
    a.finishRun(id, {
      status: 'completed',
      clipEvaluations: [{ ...fold(0, ['23', '24'], 3), kind: 'test', fold: null }],
    });
    a.addEvaluation(id, { ...fold(0, ['19'], 2), kind: 'evaluate', fold: null });
    const before = a.getClipEvaluations(id);
    a.exportRun(id, join(dir, 'export'));
    a.close();
    const b = openStore(join(dir, 'b.sqlite'));
    b.importRun(join(dir, 'export'));
    const after = b.getClipEvaluations(id);
    b.close();
    expect(after.map(({ id: _, ...e }) => e)).toEqual(before.map(({ id: _, ...e }) => e));
  });
});

describe('protocol in words', () => {
  it('says whether the test speakers were heard in training', () => {
    expect(
      describeProtocol({ kind: 'actors', testActors: ['17', '18', '19', '20'], valFraction: 0.1 }),
    ).toEqual({
      kind: 'speaker-independent',
      short: 'speakers 17-20',
      sentence: 'Tested on speakers 17-20, never heard in training.',
    });
    const random = describeProtocol({ kind: 'random', testFraction: 0.2, valFraction: 0 });
    expect(random.kind).toBe('random');
    expect(random.sentence).toMatch(
      /^Random split \(20% of clips\): the test clips' speakers were in training/,
    );
    const k = describeProtocol({ kind: 'kfold-actors', folds: 2, valFraction: 0.1 }, [
      { testSpeakers: ['01', '02', '03'] },
      { testSpeakers: ['04', '06'] },
    ]);
    expect(k.sentence).toBe(
      '2-fold cross-validation by speaker: each fold tested on speakers it never heard (1-3 | 4,6).',
    );
    expect(describeProtocol({ kind: 'actors', testActors: [], valFraction: 0 }).kind).toBe('none');
    expect(speakerRanges(['10', '9', '1', '3', '2', 'x'])).toBe('1,2,3,9,10,x');
    expect(speakerRanges(['10', '9', '1', '3', '2', '11'])).toBe('1-3,9-11');
  });
});
