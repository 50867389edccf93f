import { describe, expect, it } from 'vitest';
import {
  assertDisjoint,
  kfoldSpeakerSplits,
  randomSplit,
  speakerFolds,
  speakerSplit,
  type SplitItem,
} from '../../src/main/training/splits.js';

/** A RAVDESS-shaped set: `actors` speakers x 6 labels x 8 takes. */
function ravdessLike(actors: number): SplitItem[] {
  const items: SplitItem[] = [];
  for (let a = 1; a <= actors; a++) {
    for (const label of ['calm', 'happy', 'fearful', 'disgust', 'angry', 'sad']) {
      for (let t = 0; t < 8; t++) items.push({ label, speaker: String(a).padStart(2, '0') });
    }
  }
  return items;
}

const count = (idx: number[], items: SplitItem[], label: string) =>
  idx.filter((i) => items[i]!.label === label).length;

describe('splits', () => {
  const items = ravdessLike(20); // 960 clips, 160 per label

  it('random split is stratified, disjoint, complete and seeded', () => {
    const s = randomSplit(items, { testFraction: 0.2, valFraction: 0.1 }, 7);
    expect(s.test.length).toBe(192); // 32 per label
    for (const l of ['calm', 'sad']) {
      expect(count(s.test, items, l)).toBe(32);
      expect(count(s.val, items, l)).toBe(13); // round(128 * 0.1)
    }
    expect(s.train.length + s.val.length + s.test.length).toBe(960);
    expect(new Set([...s.train, ...s.val, ...s.test]).size).toBe(960);
    expect(randomSplit(items, { testFraction: 0.2, valFraction: 0.1 }, 7)).toEqual(s);
    expect(randomSplit(items, { testFraction: 0.2, valFraction: 0.1 }, 8).test).not.toEqual(s.test);
  });

  it('keeps identical audio (a duplicate group) on one side', () => {
    const dup = items.map((it, i) => (i === 0 || i === 1 ? { ...it, group: 1 } : it));
    for (let seed = 0; seed < 30; seed++) {
      const s = randomSplit(dup, { testFraction: 0.5, valFraction: 0 }, seed);
      const inTest = s.test.includes(0);
      expect(s.test.includes(1)).toBe(inTest);
    }
  });

  it('speaker split holds out the test actors and carves validation speakers from the rest', () => {
    const s = speakerSplit(items, ['1', '2', '3', '4'], 0.125, 3); // 16 train speakers -> 2 for val
    expect(s.speakers!.test).toEqual(['01', '02', '03', '04']);
    expect(s.speakers!.val.length).toBe(2);
    expect(s.speakers!.train.length).toBe(14);
    expect(s.test.length).toBe(4 * 48);
    expect(s.val.length).toBe(2 * 48);
    const testSpk = new Set(s.test.map((i) => items[i]!.speaker));
    expect(s.train.some((i) => testSpk.has(items[i]!.speaker))).toBe(false);
    expect(() => speakerSplit(items, ['25'], 0.1, 1)).toThrow(/speaker 25 is not in the dataset/);
  });

  it('speaker split with two training speakers validates on a share of their clips', () => {
    const small = ravdessLike(3);
    const s = speakerSplit(small, ['03'], 0.25, 1);
    expect(s.speakers!.val).toEqual([]);
    expect(s.val.length).toBe(24); // 96 clips, 16 per label, 4 per label to val
    expect(s.test.every((i) => small[i]!.speaker === '03')).toBe(true);
  });

  it('k-fold by actor uses runs of consecutive actors', () => {
    expect(speakerFolds(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'], 3)).toEqual([
      ['1', '2', '3', '4'],
      ['5', '6', '7'],
      ['8', '9', '10'],
    ]);
    const folds = kfoldSpeakerSplits(items, 5, 0.1, 42);
    expect(folds.map((f) => f.testSpeakers)).toEqual([
      ['01', '02', '03', '04'],
      ['05', '06', '07', '08'],
      ['09', '10', '11', '12'],
      ['13', '14', '15', '16'],
      ['17', '18', '19', '20'],
    ]);
    const tested = folds.flatMap((f) => f.split.test).sort((a, b) => a - b);
    expect(tested).toEqual(items.map((_, i) => i)); // every clip tested exactly once
    for (const f of folds) {
      const train = new Set(f.split.train.map((i) => items[i]!.speaker));
      const val = new Set(f.split.val.map((i) => items[i]!.speaker));
      for (const t of f.testSpeakers) expect(train.has(t) || val.has(t)).toBe(false);
      for (const v of val) expect(train.has(v)).toBe(false);
    }
    expect(() => kfoldSpeakerSplits(items, 21, 0.1, 1)).toThrow(/21 folds need at least 21 speakers/);
  });

  it('assertDisjoint catches a clip or a speaker in two parts', () => {
    expect(() => assertDisjoint({ train: [0, 1], val: [], test: [1] }, items, false)).toThrow(
      /clip 1 is in both train and test/,
    );
    // items 0 and 48 belong to speakers 01 and 02
    expect(() => assertDisjoint({ train: [0], val: [], test: [1] }, items, 'test')).toThrow(/speaker 01/);
    expect(() => assertDisjoint({ train: [0], val: [1], test: [48] }, items, 'test')).not.toThrow();
    expect(() => assertDisjoint({ train: [0], val: [1], test: [48] }, items, 'all')).toThrow(/speaker 01/);
  });

  it('actor splits need speakers', () => {
    const anon = [
      { label: 'a', speaker: null },
      { label: 'b', speaker: null },
    ];
    expect(() => speakerSplit(anon, ['1'], 0, 1)).toThrow(/need a speaker/);
  });
});
