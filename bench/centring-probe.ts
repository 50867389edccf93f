/**
 * Side experiment behind TrainConfig.pooledCentring (docs/BENCHMARKS.md, "Unheard speakers", fifth
 * round): writes the pooled statistics of actors 1-16's clips (the recipe's features, six
 * emotions) and each clip's per-column frame sums, then runs bench/anchors/centring_probe.py, which
 * trains a PyTorch MLP over 4 folds by actor (2 seeds, no augmentation) with frame-level speaker
 * normalisation alone, plus pooled-level speaker z-scores, plus pooled-level centring (mean only),
 * each evaluated on single clips, calibrated with 8 random clips of the speaker and with all 48.
 * Needs /usr/bin/python3 with torch (skipped with the reason otherwise).
 *
 *   npm run bench:centring
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { extractFile } from '../src/main/features/index.js';
import { poolMatrix } from '../src/main/features/matrix.js';
import { TRAINING_FEATURES } from '../src/main/recipe/recipe.js';
import { SEED_EMOTIONS } from '../src/shared/dataset.js';
import { ravdessEmotion } from '../src/shared/ravdess.js';
import { DATA, skipWithoutData } from './setup.js';

skipWithoutData('centring');
const PYTHON = '/usr/bin/python3';
if (spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status !== 0) {
  console.log(`bench:centring skipped: ${PYTHON} with torch and numpy is not installed`);
  process.exit(0);
}
const clips: { path: string; speaker: number; y: number }[] = [];
for (let a = 1; a <= 16; a++) {
  const dir = join(DATA, `Actor_${String(a).padStart(2, '0')}`);
  for (const f of readdirSync(dir).sort()) {
    const y = SEED_EMOTIONS.indexOf(ravdessEmotion(f.split('-')[2]!) as (typeof SEED_EMOTIONS)[number]);
    if (y >= 0) clips.push({ path: join(dir, f), speaker: a, y });
  }
}
const raw: number[][] = [];
const frames: { n: number; s: number[]; q: number[] }[] = [];
for (const c of clips) {
  const m = await extractFile(c.path, TRAINING_FEATURES);
  raw.push(Array.from(poolMatrix(m, 'summary')));
  const s = new Array<number>(m.width).fill(0);
  const q = new Array<number>(m.width).fill(0);
  for (let t = 0; t < m.frames; t++)
    for (let k = 0; k < m.width; k++) {
      const v = m.data[t * m.width + k]!;
      s[k]! += v;
      q[k]! += v * v;
    }
  frames.push({ n: m.frames, s, q });
}
const dir = mkdtempSync(join(tmpdir(), 'ser-centring-'));
const file = join(dir, 'pooled.json');
writeFileSync(
  file,
  JSON.stringify({
    width: frames[0]!.s.length,
    speaker: clips.map((c) => c.speaker),
    y: clips.map((c) => c.y),
    raw,
    frames,
  }),
);
const r = spawnSync(PYTHON, [join(import.meta.dirname, 'anchors', 'centring_probe.py'), file], {
  stdio: 'inherit',
});
rmSync(dir, { recursive: true, force: true });
process.exit(r.status ?? 1);
