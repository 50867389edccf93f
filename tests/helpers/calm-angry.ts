/**
 * The calm and angry clips of some RAVDESS actors as feature matrices, labels (angry 1) and
 * actor numbers: the small real training set the training-engine tests share.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFile } from '../../src/main/audio/decode.js';
import { extractFeatures } from '../../src/main/features/extract.js';
import type { FeatureConfig, FeatureMatrix } from '../../src/shared/features.js';
import { RAVDESS_16K } from './shared-data.js';

export async function calmAngryClips(
  actors: readonly number[],
  features: FeatureConfig,
): Promise<{ matrices: FeatureMatrix[]; y: number[]; speaker: number[] }> {
  const matrices: FeatureMatrix[] = [];
  const y: number[] = [];
  const speaker: number[] = [];
  for (const a of actors) {
    const dir = join(RAVDESS_16K, `Actor_${String(a).padStart(2, '0')}`);
    for (const f of readdirSync(dir).sort()) {
      const emo = f.split('-')[2];
      if (emo !== '02' && emo !== '05') continue; // calm, angry
      const { samples } = await decodeFile(join(dir, f), { targetRate: 16000 });
      matrices.push(extractFeatures(samples, features));
      y.push(emo === '05' ? 1 : 0);
      speaker.push(a);
    }
  }
  return { matrices, y, speaker };
}
