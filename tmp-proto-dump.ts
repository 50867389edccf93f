// Throwaway prototype (not committed): pooled vectors of actors 1-16 for a torch side experiment.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractFile } from './src/main/features/index.js';
import { poolMatrix } from './src/main/features/matrix.js';
import { TRAINING_FEATURES } from './src/main/recipe/recipe.js';
import { fitNormalization, applyNormalization } from './src/main/training/normalise.js';

const ROOT = '../shared/data/ravdess-16k';
const EMO: Record<string, number> = { '02': 0, '03': 1, '06': 2, '07': 3, '05': 4, '04': 5 };
const clips: { path: string; spk: number; y: number }[] = [];
for (let a = 1; a <= 16; a++) {
  const dir = join(ROOT, `Actor_${String(a).padStart(2, '0')}`);
  for (const f of readdirSync(dir).sort()) {
    const e = f.split('-')[2]!;
    if (e in EMO) clips.push({ path: join(dir, f), spk: a, y: EMO[e]! });
  }
}
const mats = [];
for (const c of clips) mats.push(await extractFile(c.path, TRAINING_FEATURES));
const bySpk = new Map<number, ReturnType<typeof fitNormalization>>();
for (let a = 1; a <= 16; a++) bySpk.set(a, fitNormalization(mats.filter((_, i) => clips[i]!.spk === a)));
const rowsRaw: number[][] = [];
const rowsSpk: number[][] = [];
mats.forEach((m, i) => {
  rowsRaw.push([...poolMatrix(m, 'summary')]);
  rowsSpk.push([...poolMatrix({ ...m, data: applyNormalization(m.data, bySpk.get(clips[i]!.spk)!) }, 'summary')]);
});
const fr = mats.map((m) => { const w = m.width; const s = new Array(w).fill(0); const q = new Array(w).fill(0); for (let t = 0; t < m.frames; t++) for (let c = 0; c < w; c++) { const v = m.data[t * w + c]!; s[c] += v; q[c] += v * v; } return { n: m.frames, s, q }; });
writeFileSync('/work/notes/proto/pooled.json', JSON.stringify({ spk: clips.map((c) => c.spk), y: clips.map((c) => c.y), raw: rowsRaw, spkn: rowsSpk, fr }));
console.log('clips', clips.length, 'width', rowsRaw[0]!.length);
