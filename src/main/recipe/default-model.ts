/**
 * The bundled model's recipe, shared by scripts/train-default-model.ts (which makes
 * resources/models/default) and `npm run bench:train -- --full-run`.
 *
 * 1. Fair check: the recipe trained on actors 1-16 (validation speakers carved from them) and
 *    tested on actors 17-20, speakers it never heard. Gives the accuracy to expect on new voices.
 * 2. Final fit: the same recipe on all 20 actors (no test, no validation: its cosine schedule
 *    runs its full length and the last weights are kept), saved as the model folder.
 */
import { resolve } from 'node:path';
import { SEED_EMOTIONS } from '../../shared/dataset.js';
import type { Evaluation, TrainConfig, TrainEvent, TrainResult } from '../../shared/training.js';
import { scanDataset } from '../dataset/scan.js';
import { buildTrainConfig } from './recipe.js';
import { trainOnScan } from '../training/trainer.js';

export const DEFAULT_MODEL_TEST_ACTORS = ['17', '18', '19', '20'];

/**
 * The default model's TrainConfig for a split: the default recipe (DEFAULT_RECIPE in
 * src/main/recipe/recipe.ts, what `ser train` trains with no flags), the seed's six emotions and
 * seed 42. Nothing is chosen here, so the bundled model and `ser train` cannot drift apart.
 */
export function defaultModelConfig(split: TrainConfig['split']): TrainConfig {
  return buildTrainConfig({ labels: [...SEED_EMOTIONS], split, seed: 42 });
}

export interface DefaultModelReport {
  heldOut: {
    testActors: string[];
    evaluation: Evaluation;
    /** Epochs trained, all members together. */
    epochs: number;
    seconds: number;
  };
  final: { epochs: number; seconds: number; modelDir: string | null } | null;
  backend: string | null;
}

const epochsOf = (events: TrainEvent[]) => events.filter((e) => e.type === 'epoch').length;

function check(r: TrainResult, what: string): TrainResult {
  if (r.status !== 'completed')
    throw new Error(`${what}: ${r.status}${r.error ? `: ${r.error.message}` : ''}`);
  return r;
}

/**
 * Run the recipe on `dataDir` (RAVDESS 16 kHz, actors 1-20). With `outDir`, also make the final
 * model there; `onEvent` sees both runs' events.
 */
export async function makeDefaultModel(opts: {
  dataDir: string;
  outDir?: string;
  cacheDir?: string | null;
  onEvent?: (stage: 'held-out' | 'final', e: TrainEvent) => void;
}): Promise<DefaultModelReport> {
  const scan = await scanDataset(resolve(opts.dataDir), { labels: [...SEED_EMOTIONS] });
  const heldEvents: TrainEvent[] = [];
  const held = check(
    await trainOnScan(
      scan,
      defaultModelConfig({ kind: 'actors', testActors: DEFAULT_MODEL_TEST_ACTORS, valFraction: 0.15 }),
      {
        cacheDir: opts.cacheDir ?? null,
        saveModel: false,
        onEvent: (e) => {
          heldEvents.push(e);
          opts.onEvent?.('held-out', e);
        },
      },
    ),
    'held-out run',
  );
  const report: DefaultModelReport = {
    heldOut: {
      testActors: DEFAULT_MODEL_TEST_ACTORS,
      evaluation: held.evaluation!,
      epochs: epochsOf(heldEvents),
      seconds: held.seconds,
    },
    final: null,
    backend: held.backend,
  };
  if (!opts.outDir) return report;

  const config = defaultModelConfig({ kind: 'actors', testActors: [], valFraction: 0 });
  const finalEvents: TrainEvent[] = [];
  const fin = check(
    await trainOnScan(scan, config, {
      cacheDir: opts.cacheDir ?? null,
      modelDir: resolve(opts.outDir),
      // The final fit has no validation speakers: it keeps the held-out run's temperature.
      ...(held.temperature ? { temperature: held.temperature } : {}),
      onEvent: (e) => {
        finalEvents.push(e);
        opts.onEvent?.('final', e);
      },
    }),
    'final run',
  );
  report.final = { epochs: epochsOf(finalEvents), seconds: fin.seconds, modelDir: fin.modelDir };
  return report;
}
