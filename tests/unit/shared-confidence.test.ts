import { describe, expect, it } from 'vitest';
import { isUncertain, topProbability, UNCERTAIN_BELOW } from '../../src/shared/confidence.js';

describe('the uncertainty rule', () => {
  it('calls a prediction uncertain when its top probability is below one half', () => {
    expect(UNCERTAIN_BELOW).toBe(0.5);
    expect(isUncertain({ angry: 0.49, happy: 0.3, sad: 0.21 })).toBe(true);
    expect(isUncertain({ angry: 0.5, happy: 0.3, sad: 0.2 })).toBe(false);
    expect(isUncertain({ angry: 0.9, happy: 0.1 })).toBe(false);
    // Six emotions at chance.
    expect(isUncertain(Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((l) => [l, 1 / 6])))).toBe(true);
  });

  it('reads the top probability whatever the order', () => {
    expect(topProbability({ calm: 0.1, sad: 0.7, angry: 0.2 })).toBe(0.7);
    expect(topProbability({})).toBe(0);
  });
});
