/** One augmented version of a clip per chosen kind, with its drawn parameter in words. */
import { SerError } from '../../shared/errors.js';
import type { AugmentConfig, AugmentKind } from '../../shared/training.js';
import { augmentClip, type AugmentedClip } from '../audio/augment.js';
import type { ChannelDraw } from '../audio/channel.js';
import { makeRng } from '../util/rng.js';

export interface PreviewVariant {
  kind: AugmentKind;
  description: string;
  samples: Float32Array;
}

const CHANNEL_WORDS: Record<ChannelDraw['effect'], (v: number) => string> = {
  telephone: () => 'telephone band (300-3400 Hz at 8 kHz)',
  eq: (v) => `band-limited, EQ ${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(1)} dB`,
  reverb: (v) => `room reverberation, RT60 ${v.toFixed(2)} s`,
  gain: (v) => `level ${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(1)} dB`,
  clip: (v) => `hard clipping, ${v.toFixed(1)} dB over full scale`,
  rate: (v) => `through ${v} Hz and back`,
};

function describe(c: AugmentedClip): string {
  const { kind, value } = c;
  if (kind === 'pitch') return `pitch ${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(1)} semitones`;
  if (kind === 'stretch')
    return `tempo ×${value.toFixed(2)} (${value < 1 ? 'slower' : 'faster'}, same pitch)`;
  if (kind === 'speed') return `speed ×${value.toFixed(2)} (tempo and pitch)`;
  if (kind === 'crop') return `a ${value.toFixed(1)} s crop`;
  if (kind === 'channel') return c.effect ? CHANNEL_WORDS[c.effect](value) : 'channel';
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
  // One copy per kind (augmentClip draws every kind once per round), shown in the order given.
  const copies = augmentClip(samples, sampleRate, { ...cfg, copiesPerClip: cfg.kinds.length }, makeRng(seed));
  copies.sort((a, b) => cfg.kinds.indexOf(a.kind) - cfg.kinds.indexOf(b.kind));
  return copies.map((c) => ({ kind: c.kind, description: describe(c), samples: c.samples }));
}
