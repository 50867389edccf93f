import { describe, expect, it } from 'vitest';
import { buildTrainConfig, validateTrainConfig } from '../../src/main/training/config.js';
import { parseActors } from '../../src/main/cli/args.js';
import { formatEvaluation } from '../../src/main/cli/text.js';
import { evaluate } from '../../src/main/training/metrics.js';
import { SEED_EMOTIONS } from '../../src/shared/dataset.js';

describe('training config', () => {
  it('builds a complete, valid config from a preset and the CLI choices', () => {
    const c = buildTrainConfig({ preset: 'fast', epochs: 7, seed: 9, augment: ['noise'], copies: 3 });
    expect(c.labels).toEqual([...SEED_EMOTIONS]);
    expect(c.optimizer.epochs).toBe(7);
    expect(c.seed).toBe(9);
    expect(c.augment).toMatchObject({ kinds: ['noise'], copiesPerClip: 3 });
    expect(validateTrainConfig(c)).toEqual(c);
    const none = buildTrainConfig({ augment: [] });
    expect(none.augment.copiesPerClip).toBe(0);
    const mlp = buildTrainConfig({ model: 'mlp' });
    expect(mlp.model.kind).toBe('mlp');
    expect(mlp.masking).toBeNull();
  });

  it('names the bad field in one line', () => {
    const c = buildTrainConfig();
    expect(() => validateTrainConfig({ ...c, labels: ['calm'] })).toThrow(
      'training config: labels: choose at least two emotions',
    );
    expect(() => validateTrainConfig({ ...c, optimizer: { ...c.optimizer, batchSize: 0 } })).toThrow(
      /^training config: optimizer\.batchSize: /,
    );
    expect(() =>
      validateTrainConfig({ ...c, augment: { ...c.augment, stretchMin: 1.2, stretchMax: 0.9 } }),
    ).toThrow(/stretchMin must not exceed stretchMax/);
    expect(() => validateTrainConfig({ ...c, features: { ...c.features, nFft: 1000 } })).toThrow(
      /nFft: must be a power of two/,
    );
    expect(() =>
      validateTrainConfig({ ...c, split: { kind: 'kfold-actors', folds: 1, valFraction: 0.1 } }),
    ).toThrow(/split\.folds/);
    expect(() =>
      validateTrainConfig({ ...c, optimizer: { ...c.optimizer, speakerAdversarial: -0.1 } }),
    ).toThrow(/^training config: optimizer\.speakerAdversarial: /);
    expect(c.optimizer.speakerAdversarial).toBeUndefined(); // off by default
  });

  it('parses actor lists and ranges', () => {
    expect(parseActors('1,2, 5-7')).toEqual(['1', '2', '5', '6', '7']);
    expect(() => parseActors('9-3')).toThrow(/bad actor range '9-3'/);
  });

  it('prints an evaluation as a table with the confusion matrix', () => {
    const text = formatEvaluation(evaluate([0, 0, 1, 1], [0, 1, 1, 1], ['calm', 'angry']));
    expect(text.split('\n')[0]).toBe('accuracy 75.0%  macro-F1 73.3%  UAR 75.0%  (4 clips)');
    expect(text).toMatch(/calm\s+1\s+1\n/);
    expect(text).toMatch(/angry\s+0\s+2$/);
  });
});
