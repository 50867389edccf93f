/**
 * The wizard's field problems (src/renderer/src/lib/wizard-issues.ts): the shared TrainConfigSchema's
 * issues keyed by field and said in words, plus what only the dataset tells (training speakers left,
 * folds per speaker).
 */
import { describe, expect, it } from 'vitest';
import { issuesOfStep, wizardIssues } from '../../src/renderer/src/lib/wizard-issues.js';
import { presets } from '../../src/main/recipe/presets.js';
import type { TrainConfig } from '../../src/shared/training.js';

const SPEAKERS = ['01', '02', '03', '04'];
const base = (): TrainConfig => {
  const c = structuredClone(presets().defaults);
  c.labels = ['calm', 'angry'];
  c.split = { kind: 'actors', testActors: ['04'], valFraction: 0.15 };
  return c;
};

describe('wizard issues', () => {
  it('a valid config has none', () => {
    expect([...wizardIssues(base(), SPEAKERS, 'run')]).toEqual([]);
  });

  it('names each refused field in words, not zod’s', () => {
    const c = base();
    (c.optimizer as { epochs: number | null }).epochs = null;
    c.optimizer.batchSize = 1.5;
    c.model.dropout = 1;
    c.features.nFft = 1000;
    c.augment.stretchMin = 1.5;
    c.augment.stretchMax = 1.2;
    const issues = wizardIssues(c, SPEAKERS, '');
    expect(issues.get('optimizer.epochs')).toBe('enter a number');
    expect(issues.get('optimizer.batchSize')).toBe('must be a whole number');
    expect(issues.get('model.dropout')).toBe('must be less than 1');
    expect(issues.get('features.nFft')).toBe('must be a power of two');
    expect(issues.get('augment.stretchMax')).toBe('must not be below Stretch min');
    expect(issues.get('name')).toBe('name the run');
    for (const m of issues.values()) expect(m).not.toMatch(/Invalid input|Too small|Too big|expected number/);
    expect(
      issuesOfStep(issues, 1)
        .map(([k]) => k)
        .sort(),
    ).toEqual(['augment.stretchMax', 'features.nFft']);
  });

  it('a split must leave a speaker to train on, have a test speaker, and k folds need k speakers', () => {
    const all = base();
    all.split = { kind: 'actors', testActors: [...SPEAKERS], valFraction: 0 };
    expect(wizardIssues(all, SPEAKERS, 'r').get('split.testActors')).toMatch(
      /leave at least one to train on/,
    );
    const none = base();
    none.split = { kind: 'actors', testActors: [], valFraction: 0 };
    expect(wizardIssues(none, SPEAKERS, 'r').get('split.testActors')).toMatch(/at least one speaker to test/);
    const k = base();
    k.split = { kind: 'kfold-actors', folds: 5, valFraction: 0 };
    expect(wizardIssues(k, SPEAKERS, 'r').get('split.folds')).toBe(
      '5 folds need at least 5 speakers; the dataset has 4',
    );
  });
});
