/** One augmented version of a clip per chosen kind, with its drawn parameter in words. */
import { SerError } from '../../shared/errors.js';
import type { AugmentConfig, AugmentKind } from '../../shared/training.js';
import { augmentClip } from '../audio/augment.js';
import { makeRng } from '../util/rng.js';

export interface PreviewVariant {
  kind: AugmentKind;
  description: string;
  samples: Float32Array;
}

function describe(kind: AugmentKind, value: number): string {
  if (kind === 'pitch') return `pitch ${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(1)} semitones`;
  if (kind === 'stretch')
    return `tempo ×${value.toFixed(2)} (${value < 1 ? 'slower' : 'faster'}, same pitch)`;
  return `noise at ${value.toFixed(1)} dB SNR`;
}

export function augmentPreviewClip(
  samples: Float32Array,
  sampleRate: number,
  cfg: AugmentConfig,
  seed: number,
): PreviewVariant[] {
  if (cfg.stretchMin > cfg.stretchMax) {
    throw new SerError('ValidationError', 'augment.preview: augment.stretchMin: must not exceed stretchMax');
  }
  if (cfg.noiseSnrMin > cfg.noiseSnrMax) {
    throw new SerError(
      'ValidationError',
      'augment.preview: augment.noiseSnrMin: must not exceed noiseSnrMax',
    );
  }
  // One copy per kind, in the order given: augmentClip cycles through the kinds.
  const copies = augmentClip(samples, sampleRate, { ...cfg, copiesPerClip: cfg.kinds.length }, makeRng(seed));
  return copies.map((c) => ({ kind: c.kind, description: describe(c.kind, c.value), samples: c.samples }));
}
