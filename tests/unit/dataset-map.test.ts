/**
 * The dataset map on real RAVDESS clips: clip-info reads length, level and pooled features
 * through the engine; a clip relabelled at test time stands out by its neighbours' labels, and a
 * speaker recorded "through another microphone" (low-passed, with hiss, made here) stands apart
 * from the other speakers; PCA and UMAP give finite, deterministic layouts.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PCA } from 'ml-pca';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFile } from '../../src/main/audio/decode.js';
import { clipInfo } from '../../src/main/dataset/clip-info.js';
import {
  SUSPECT_DISAGREEMENT,
  groupIsolation,
  mapBasis,
  pcaScores,
  standardise,
  nearestNeighbours,
  neighbourDisagreement,
  projectPca,
  projectUmap,
  type ClipInfo,
} from '../../src/shared/dataset-map.js';
import { encodeWav } from '../../src/shared/wav-encode.js';
import { otherMicrophone } from '../helpers/other-microphone.js';
import { HAVE_RAVDESS, MISSING_DATA, RAVDESS_16K } from '../helpers/shared-data.js';

const ACTORS = [1, 2, 3, 4, 5, 6];
/** Calm (02) and angry (05): six takes each per actor. */
const EMOTIONS: Record<string, string> = { '02': 'calm', '05': 'angry' };
const PER = 6;
const OUTLIER = '06';

interface Clip {
  path: string;
  label: string;
  speaker: string;
}

describe.skipIf(!HAVE_RAVDESS)(`dataset map ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ser-map-'));
  const clips: Clip[] = [];
  let info: ClipInfo[] = [];

  beforeAll(async () => {
    for (const a of ACTORS) {
      const speaker = String(a).padStart(2, '0');
      const folder = join(RAVDESS_16K, `Actor_${speaker}`);
      for (const [code, label] of Object.entries(EMOTIONS)) {
        const names = readdirSync(folder)
          .filter((f) => f.split('-')[2] === code)
          .sort()
          .slice(0, PER);
        for (const [k, name] of names.entries()) {
          let path = join(folder, name);
          if (speaker === OUTLIER) {
            const { samples, sampleRate } = await decodeFile(path, { targetRate: 16000 });
            path = join(dir, name);
            writeFileSync(path, encodeWav(otherMicrophone(samples, sampleRate, k), sampleRate));
          }
          clips.push({ path, label, speaker });
        }
      }
    }
    info = await clipInfo(
      clips.map((c) => c.path),
      { features: true, cacheDir: null, workers: 1 },
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const rows = () => info.map((c) => (c.ok && c.pooled ? c.pooled : []));

  it('reads length, level and pooled features of every clip', () => {
    expect(info).toHaveLength(clips.length);
    for (const c of info) {
      if (!c.ok) throw new Error(`${c.path}: ${c.error.message}`);
      expect(c.duration).toBeGreaterThan(2.5);
      expect(c.duration).toBeLessThan(6);
      expect(c.rmsDbfs).toBeLessThan(c.peakDbfs);
      expect(c.rmsDbfs).toBeGreaterThan(-70);
      expect(c.pooled?.length).toBe(2 * 187);
    }
  });

  it('flags an angry clip relabelled as calm by its neighbours', () => {
    const labels = clips.map((c) => c.label);
    // An angry take of a normal speaker, labelled calm by mistake.
    const wrong = clips.findIndex((c) => c.speaker === '02' && c.label === 'angry');
    labels[wrong] = 'calm';
    const dis = neighbourDisagreement(mapBasis(rows()), labels);
    expect(dis[wrong]).toBeGreaterThanOrEqual(SUSPECT_DISAGREEMENT);
    // Few clips share the flag: it points at the mistake, not at half the dataset.
    const flagged = dis.filter((d) => d >= SUSPECT_DISAGREEMENT).length;
    expect(flagged).toBeLessThanOrEqual(4);
  });

  it('shows the speaker with another microphone standing apart', () => {
    const iso = groupIsolation(
      mapBasis(rows()),
      clips.map((c) => c.speaker),
    );
    const others = Object.entries(iso).filter(([s]) => s !== OUTLIER);
    const worstOther = Math.max(...others.map(([, v]) => v));
    console.log('speaker isolation', JSON.stringify(iso));
    // Measured: 0.88 for the outlier, 0.38-0.46 for the others (a speaker's share of the data is 1/6).
    expect(iso[OUTLIER]).toBeGreaterThan(0.8);
    expect(iso[OUTLIER]! - worstOther).toBeGreaterThan(0.3);
  });

  it('finds the principal components ml-pca finds (up to sign)', () => {
    const mine = pcaScores(rows(), 20);
    const z = standardise(rows());
    const ref = new PCA(z, { center: true, scale: false }).predict(z, { nComponents: 5 }).to2DArray();
    for (let c = 0; c < 5; c++) {
      const a = mine.map((r) => r[c]!);
      const b = ref.map((r) => r[c]!);
      const dot = a.reduce((s, v, i) => s + v * b[i]!, 0);
      const na = Math.hypot(...a);
      const nb = Math.hypot(...b);
      expect(Math.abs(dot) / (na * nb)).toBeGreaterThan(0.999);
    }
  });

  it('finds the same nearest neighbours as a full sort', () => {
    const x = mapBasis(rows()).scores;
    const fast = nearestNeighbours(x, 10);
    x.forEach((a, i) => {
      const d = x.map((b, j) => (j === i ? Infinity : a.reduce((s, v, c) => s + (v - b[c]!) ** 2, 0)));
      const slow = d
        .map((v, j) => [v, j] as const)
        .sort((p, q) => p[0] - q[0])
        .slice(0, 10)
        .map(([, j]) => j);
      expect(fast[i]).toEqual(slow);
    });
  });

  it('projects with PCA and UMAP: finite, deterministic, the outlier speaker apart in both', async () => {
    const basis = mapBasis(rows());
    const pca = projectPca(basis);
    const umap1 = await projectUmap(basis, { epochs: 100 });
    const umap2 = await projectUmap(basis, { epochs: 100 });
    expect(umap1).toEqual(umap2);
    for (const layout of [pca, umap1]) {
      expect(layout.flat().every(Number.isFinite)).toBe(true);
      const iso = groupIsolation(
        { scores: layout, neighbours: nearestNeighbours(layout, 5) },
        clips.map((c) => c.speaker),
      );
      expect(iso[OUTLIER]).toBeGreaterThan(0.8);
    }
  });
});
