/**
 * Train / validation / test splits over dataset items, as index lists.
 *
 * - random: stratified by label (the seed's protocol). The same speakers appear on both sides,
 *   so it measures how well the model knows voices it has heard.
 * - actors: the given speakers are the test set; validation speakers are carved from the rest,
 *   so early stopping also looks at unheard voices.
 * - k-fold by actor: speakers sorted and cut into k runs of consecutive speakers (actors 1-20,
 *   5 folds: 1-4, 5-8, ..., 17-20), each run the test set of one fold.
 *
 * Items with identical audio (same `group`) always land in the same split, so a duplicated file
 * (RAVDESS Actor_07 has two) cannot leak from train into test.
 */
import { SerError } from '../../shared/errors.js';
import { sortSpeakers } from '../../shared/split-defaults.js';
import { seededRng, shuffle, subSeed, type Rng } from '../util/rng.js';

export interface SplitItem {
  label: string;
  speaker: string | null;
  /** Items sharing a group id hold the same audio and must stay together. */
  group?: number;
}

export interface SplitIndices {
  train: number[];
  val: number[];
  test: number[];
  /** Speakers of each part for speaker-independent splits. */
  speakers?: { train: string[]; val: string[]; test: string[] };
}

export interface Fold {
  fold: number;
  testSpeakers: string[];
  split: SplitIndices;
}

// The order lives with the split defaults in src/shared (the wizard sorts speakers the same way).
export { sortSpeakers };

/** Normalise "1", "01", "Actor_01" to the scan's speaker id form when the dataset uses two-digit ids. */
export function matchSpeakers(wanted: string[], present: string[]): string[] {
  const byNumber = new Map<number, string>();
  for (const p of present) {
    const n = Number(p);
    if (Number.isFinite(n)) byNumber.set(n, p);
  }
  return wanted.map((w) => {
    if (present.includes(w)) return w;
    const m = /(\d+)$/.exec(w);
    const hit = m ? byNumber.get(Number(m[1])) : undefined;
    if (hit === undefined) {
      throw new SerError(
        'ValidationError',
        `speaker ${w} is not in the dataset (speakers: ${present.join(',')})`,
      );
    }
    return hit;
  });
}

/** Units that must move together: one per duplicate group, or one per item. */
function unitsOf(indices: number[], items: readonly SplitItem[]): number[][] {
  const byGroup = new Map<number, number[]>();
  const units: number[][] = [];
  for (const i of indices) {
    const g = items[i]!.group;
    if (g === undefined) {
      units.push([i]);
      continue;
    }
    let u = byGroup.get(g);
    if (!u) {
      u = [];
      byGroup.set(g, u);
      units.push(u);
    }
    u.push(i);
  }
  return units;
}

/**
 * Stratified pick: per label, shuffle its units and move `fraction` of its clips to `taken`.
 * Rounds per label, so every label with at least 2 units keeps one on each side.
 */
function stratifiedTake(indices: number[], items: readonly SplitItem[], fraction: number, rng: Rng) {
  const byLabel = new Map<string, number[]>();
  for (const i of indices) {
    const l = items[i]!.label;
    const list = byLabel.get(l) ?? [];
    list.push(i);
    byLabel.set(l, list);
  }
  const taken: number[] = [];
  const kept: number[] = [];
  for (const label of [...byLabel.keys()].sort()) {
    const units = shuffle(unitsOf(byLabel.get(label)!, items), rng);
    const n = units.reduce((s, u) => s + u.length, 0);
    let want = Math.round(n * fraction);
    if (fraction > 0 && units.length >= 2) want = Math.min(Math.max(want, 1), n - 1);
    let got = 0;
    for (const u of units) {
      if (got < want) {
        taken.push(...u);
        got += u.length;
      } else kept.push(...u);
    }
  }
  return { taken: taken.sort((a, b) => a - b), kept: kept.sort((a, b) => a - b) };
}

function checkFraction(name: string, f: number): void {
  if (!(f >= 0 && f < 1)) throw new SerError('ValidationError', `${name} must be in [0, 1), got ${f}`);
}

/**
 * Random stratified split. `valFraction` is the share of the non-test clips kept for validation.
 */
export function randomSplit(
  items: readonly SplitItem[],
  opts: { testFraction: number; valFraction: number },
  seed: number,
): SplitIndices {
  checkFraction('testFraction', opts.testFraction);
  checkFraction('valFraction', opts.valFraction);
  const rng = seededRng(subSeed(seed, 1));
  const all = items.map((_, i) => i);
  const { taken: test, kept: rest } = stratifiedTake(all, items, opts.testFraction, rng);
  const { taken: val, kept: train } = stratifiedTake(rest, items, opts.valFraction, rng);
  const split = { train, val, test };
  assertDisjoint(split, items, false);
  return split;
}

function speakerOf(item: SplitItem, i: number): string {
  if (item.speaker === null) {
    throw new SerError(
      'DatasetError',
      `speaker-independent splits need a speaker for every clip (item ${i} has none)`,
    );
  }
  return item.speaker;
}

/**
 * Hold out `testSpeakers`. Validation takes round(valFraction x training speakers) whole speakers
 * (at least one) when there are at least 3 training speakers, else a stratified share of clips.
 */
export function speakerSplit(
  items: readonly SplitItem[],
  testSpeakers: string[],
  valFraction: number,
  seed: number,
): SplitIndices {
  checkFraction('valFraction', valFraction);
  const speakers = sortSpeakers(items.map(speakerOf));
  const test = new Set(matchSpeakers(testSpeakers, speakers));
  if (test.size === 0) throw new SerError('ValidationError', 'no test speakers given');
  const trainSpeakers = speakers.filter((s) => !test.has(s));
  if (trainSpeakers.length === 0) {
    throw new SerError(
      'ValidationError',
      `every speaker is a test speaker (${[...test].join(',')}); none left to train on`,
    );
  }
  const rng = seededRng(subSeed(seed, 2));
  const testIdx: number[] = [];
  const restIdx: number[] = [];
  items.forEach((it, i) => (test.has(it.speaker!) ? testIdx : restIdx).push(i));

  let train: number[];
  let val: number[];
  let valSpeakers: string[] = [];
  if (valFraction > 0 && trainSpeakers.length >= 3) {
    const nVal = Math.min(
      trainSpeakers.length - 1,
      Math.max(1, Math.round(valFraction * trainSpeakers.length)),
    );
    valSpeakers = sortSpeakers(shuffle([...trainSpeakers], rng).slice(0, nVal));
    const vs = new Set(valSpeakers);
    val = restIdx.filter((i) => vs.has(items[i]!.speaker!));
    train = restIdx.filter((i) => !vs.has(items[i]!.speaker!));
  } else {
    const r = stratifiedTake(restIdx, items, valFraction, rng);
    val = r.taken;
    train = r.kept;
  }
  const split: SplitIndices = {
    train,
    val,
    test: testIdx,
    speakers: {
      train: trainSpeakers.filter((s) => !valSpeakers.includes(s)),
      val: valSpeakers,
      test: sortSpeakers(test),
    },
  };
  assertDisjoint(split, items, valSpeakers.length > 0 ? 'all' : 'test');
  return split;
}

/** Cut sorted speakers into k runs of consecutive speakers, the first runs one longer when uneven. */
export function speakerFolds(speakers: string[], k: number): string[][] {
  const sorted = sortSpeakers(speakers);
  if (!Number.isInteger(k) || k < 2)
    throw new SerError('ValidationError', `folds must be an integer >= 2, got ${k}`);
  if (k > sorted.length) {
    throw new SerError(
      'ValidationError',
      `${k} folds need at least ${k} speakers; the dataset has ${sorted.length}`,
    );
  }
  const base = Math.floor(sorted.length / k);
  const extra = sorted.length % k;
  const out: string[][] = [];
  let at = 0;
  for (let f = 0; f < k; f++) {
    const n = base + (f < extra ? 1 : 0);
    out.push(sorted.slice(at, at + n));
    at += n;
  }
  return out;
}

/** k-fold by speaker: fold f tests on the f-th run of consecutive speakers. */
export function kfoldSpeakerSplits(
  items: readonly SplitItem[],
  k: number,
  valFraction: number,
  seed: number,
): Fold[] {
  const speakers = sortSpeakers(items.map(speakerOf));
  return speakerFolds(speakers, k).map((testSpeakers, fold) => ({
    fold,
    testSpeakers,
    split: speakerSplit(items, testSpeakers, valFraction, subSeed(seed, 100 + fold)),
  }));
}

/**
 * Throw if a clip (or a duplicate group) is in two parts, or, for speaker splits, a test speaker
 * (`'test'`) or any speaker (`'all'`) is in two parts.
 */
export function assertDisjoint(
  split: SplitIndices,
  items: readonly SplitItem[],
  bySpeaker: false | 'test' | 'all',
): void {
  const owner = new Map<number, string>();
  const groupOwner = new Map<number, string>();
  for (const part of ['train', 'val', 'test'] as const) {
    for (const i of split[part]) {
      if (i < 0 || i >= items.length) throw new SerError('InternalError', `split index ${i} out of range`);
      const prev = owner.get(i);
      if (prev !== undefined) throw new SerError('InternalError', `clip ${i} is in both ${prev} and ${part}`);
      owner.set(i, part);
      const g = items[i]!.group;
      if (g !== undefined) {
        const gp = groupOwner.get(g);
        if (gp !== undefined && gp !== part) {
          throw new SerError('InternalError', `identical audio (group ${g}) is in both ${gp} and ${part}`);
        }
        groupOwner.set(g, part);
      }
    }
  }
  if (!bySpeaker) return;
  const speakerPart = new Map<string, string>();
  for (const part of ['train', 'val', 'test'] as const) {
    for (const i of split[part]) {
      const s = items[i]!.speaker;
      if (s === null) continue;
      const p = speakerPart.get(s);
      const clash = p !== undefined && p !== part && (bySpeaker === 'all' || p === 'test' || part === 'test');
      if (clash) throw new SerError('InternalError', `speaker ${s} is in both ${p} and ${part}`);
      if (p === undefined || part === 'test') speakerPart.set(s, part);
    }
  }
}
