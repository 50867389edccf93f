/**
 * Clip-level results of an evaluation (which clip, whose voice, what it was, what the model said)
 * and what is derived from them: accuracy per speaker, the clips of one confusion cell, and the
 * evaluation protocol in words. Plain data: the store, the CLI and the renderer all use this.
 */
import { sortSpeakers } from './split-defaults.js';
import type { SplitConfig } from './training.js';

export interface ClipResult {
  /** Absolute path of the clip when it was evaluated. */
  path: string;
  speaker: string | null;
  /** The true label. */
  label: string;
  predicted: string;
  /** Class probabilities in the evaluation's `labels` order. */
  probabilities: number[];
}

/** Where an evaluation came from: a run's test clips, one fold of k-fold, or `ser evaluate` later. */
export type ClipEvaluationKind = 'test' | 'fold' | 'evaluate';

export interface ClipEvaluationInput {
  kind: ClipEvaluationKind;
  /** 0-based fold (k-fold runs); null otherwise. */
  fold: number | null;
  /** Dataset folder the clips came from (for `evaluate`: the folder given). */
  dataRoot: string | null;
  labels: string[];
  clips: ClipResult[];
}

export interface ClipEvaluation extends ClipEvaluationInput {
  id: number;
  createdAt: string;
}

export interface SpeakerAccuracy {
  speaker: string;
  n: number;
  correct: number;
  accuracy: number;
}

/** Accuracy of each speaker's clips, speakers in numeric order ("2" before "10"). */
export function speakerAccuracy(clips: readonly ClipResult[]): SpeakerAccuracy[] {
  const by = new Map<string, { n: number; correct: number }>();
  for (const c of clips) {
    const s = c.speaker ?? '(none)';
    const e = by.get(s) ?? { n: 0, correct: 0 };
    e.n++;
    if (c.predicted === c.label) e.correct++;
    by.set(s, e);
  }
  return sortSpeakers(by.keys()).map((speaker) => {
    const e = by.get(speaker)!;
    return { speaker, n: e.n, correct: e.correct, accuracy: e.correct / e.n };
  });
}

/** "17-20", "1,3,5-8": consecutive numeric ids collapsed into ranges. */
export function speakerRanges(ids: readonly string[]): string {
  const sorted = sortSpeakers(ids);
  if (!sorted.every((s) => /^\d+$/.test(s))) return sorted.join(',');
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && Number(sorted[j + 1]) === Number(sorted[j]) + 1) j++;
    const a = String(Number(sorted[i]));
    const b = String(Number(sorted[j]));
    parts.push(j > i + 1 ? `${a}-${b}` : j === i + 1 ? `${a},${b}` : a);
    i = j + 1;
  }
  return parts.join(',');
}

/** How a run's test number was measured. */
export interface Protocol {
  /** 'speaker-independent': no test speaker was heard in training; 'random': they were; 'none': no test set. */
  kind: 'speaker-independent' | 'random' | 'none';
  /** Short, for a table column ("speakers 17-20", "5-fold by speaker", "random 20%"). */
  short: string;
  /** One sentence, shown first on a run's page. */
  sentence: string;
}

export function describeProtocol(
  split: SplitConfig,
  folds?: readonly { testSpeakers: readonly string[] }[],
): Protocol {
  if (split.kind === 'random') {
    const pct = Math.round(split.testFraction * 100);
    return {
      kind: 'random',
      short: `random ${pct}%`,
      sentence: `Random split (${pct}% of clips): the test clips' speakers were in training, so this measures voices the model has heard.`,
    };
  }
  if (split.kind === 'actors') {
    if (split.testActors.length === 0) {
      return {
        kind: 'none',
        short: 'all speakers',
        sentence: 'Trained on every speaker: no test set, so no accuracy on unheard voices.',
      };
    }
    const who = speakerRanges(split.testActors);
    return {
      kind: 'speaker-independent',
      short: `speakers ${who}`,
      sentence: `Tested on speakers ${who}, never heard in training.`,
    };
  }
  const groups = (folds ?? []).map((f) => speakerRanges(f.testSpeakers)).filter(Boolean);
  return {
    kind: 'speaker-independent',
    short: `${split.folds}-fold by speaker`,
    sentence:
      `${split.folds}-fold cross-validation by speaker: each fold tested on speakers it never heard` +
      (groups.length ? ` (${groups.join(' | ')}).` : '.'),
  };
}

/** Runs' numbers are only comparable (one may be "best") within one protocol kind. */
export function sameProtocol(splits: readonly SplitConfig[]): boolean {
  const kinds = new Set(splits.map((s) => describeProtocol(s).kind));
  return kinds.size <= 1;
}

/** The clips a run's own test number comes from: its test clips, or every fold's (pooled). */
export function runTestClips(evals: readonly ClipEvaluation[]): ClipResult[] {
  return evals.filter((e) => e.kind !== 'evaluate').flatMap((e) => e.clips);
}
