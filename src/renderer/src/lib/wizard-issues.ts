/**
 * What is wrong with the wizard's settings, field by field, before anything is sent: the shared
 * TrainConfigSchema (the one train.start validates with) plus what only the dataset can tell
 * (a split must leave speakers to train on; k folds need k speakers) and the run's name.
 * Each problem is keyed by its field path (`optimizer.epochs`), so the field shows it inline.
 */
import { sortSpeakers } from '../../../shared/split-defaults.js';
import { TrainConfigSchema } from '../../../shared/train-schema.js';
import type { TrainConfig } from '../../../shared/training.js';
import { fieldProblem } from '../../../shared/zod-issues.js';

/** Field path -> problem in words. */
export type Issues = ReadonlyMap<string, string>;

/** The wizard step (0-based) where a field is edited: dataset 0, features and augmentation 1, else 2. */
export function stepOfField(path: string): number {
  const top = path.split('.')[0]!;
  return top === 'labels' ? 0 : top === 'features' || top === 'augment' ? 1 : 2;
}

/** Names of the fields as the wizard labels them (for a summary away from the field). */
const NAMES: Record<string, string> = {
  labels: 'Emotions',
  'features.features': 'Features',
  'features.sampleRate': 'Sample rate',
  'features.nFft': 'FFT size',
  'features.hopLength': 'Hop length',
  'features.nMels': 'Mel bands',
  'features.nMfcc': 'MFCCs',
  'features.nChroma': 'Chroma bins',
  'features.fmin': 'Min freq',
  'features.fmax': 'Max freq',
  'features.contrastBands': 'Contrast bands',
  'features.contrastFmin': 'Contrast fmin',
  'augment.copiesPerClip': 'Copies per clip',
  'augment.pitchSemitones': 'Pitch ± semitones',
  'augment.stretchMin': 'Stretch min',
  'augment.stretchMax': 'Stretch max',
  'augment.noiseSnrMin': 'Noise SNR min',
  'augment.noiseSnrMax': 'Noise SNR max',
  'model.frames': 'Frames per clip',
  'model.convFilters': 'Conv filters',
  'model.convKernels': 'Conv kernels',
  'model.poolSizes': 'Pool sizes',
  'model.lstmUnits': 'LSTM units',
  'model.denseUnits': 'Dense units',
  'model.dropout': 'Dropout',
  'optimizer.epochs': 'Epochs',
  'optimizer.batchSize': 'Batch size',
  'optimizer.learningRate': 'Learning rate',
  'optimizer.patience': 'Early-stop patience',
  seed: 'Seed',
  'split.testActors': 'Test actors',
  'split.testFraction': 'Test fraction',
  'split.valFraction': 'Validation fraction',
  'split.folds': 'Folds',
  name: 'Run name',
};

export function fieldName(path: string): string {
  return NAMES[path] ?? path;
}

/** "Epochs: must be at least 1". */
export function issueLine(path: string, problem: string): string {
  return `${fieldName(path)}: ${problem}`;
}

/** The schema's refinements on a whole group, moved onto the field a user would change. */
function placed(path: string, message: string): [string, string] {
  if (path === 'augment' && message.startsWith('stretchMin'))
    return ['augment.stretchMax', 'must not be below Stretch min'];
  if (path === 'augment' && message.startsWith('noiseSnrMin'))
    return ['augment.noiseSnrMax', 'must not be below Noise SNR min'];
  return [path, message];
}

export function wizardIssues(config: TrainConfig, speakerIds: readonly string[], runName: string): Issues {
  const out = new Map<string, string>();
  const add = (path: string, message: string): void => {
    if (!out.has(path)) out.set(path, message);
  };
  const parsed = TrainConfigSchema.safeParse(config);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      // An element of a list (a conv layer's width) is the list's field.
      const path = issue.path
        .map(String)
        .join('.')
        .replace(/(\.\d+)+$/, '');
      add(...placed(path, fieldProblem(issue)));
    }
  }
  const speakers = sortSpeakers(speakerIds);
  const split = config.split;
  if (split.kind === 'actors') {
    if (split.testActors.length === 0) add('split.testActors', 'choose at least one speaker to test on');
    else if (speakers.length > 0 && speakers.every((s) => split.testActors.includes(s)))
      add('split.testActors', 'every speaker is a test speaker: leave at least one to train on');
  } else if (split.kind === 'kfold-actors' && speakers.length > 0 && split.folds > speakers.length) {
    add(
      'split.folds',
      `${split.folds} folds need at least ${split.folds} speakers; the dataset has ${speakers.length}`,
    );
  }
  if (!runName.trim()) add('name', 'name the run');
  return out;
}

/** The problems of one step, in the order they were found. */
export function issuesOfStep(issues: Issues, step: number): [string, string][] {
  return [...issues].filter(([path]) => stepOfField(path) === step);
}
