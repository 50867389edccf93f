/**
 * The README of a model export (export-model.ts): how to load the model, the librosa calls that
 * reproduce its features, and every step from features to probabilities, written for this
 * model's FeatureConfig, architecture and normalisation.
 */
import { REFERENCE_KEYS, featureRows, melFmax, type FeatureName } from '../../shared/features.js';
import { MODEL_EXPORT_MANIFEST, type ModelExportManifest } from '../../shared/model-export.js';

/** The librosa line computing one feature from y, S (magnitude) and P (power). */
function librosaLine(name: FeatureName, m: ModelExportManifest): string {
  const c = m.featureConfig;
  switch (name) {
    case 'logmel':
      return `log_mel = librosa.power_to_db(librosa.feature.melspectrogram(S=P, sr=sr, n_fft=${c.nFft}, n_mels=${c.nMels}, fmin=${c.fmin}, fmax=${melFmax(c)}, htk=False, norm='slaney'), ref=1.0, amin=1e-10, top_db=80.0)`;
    case 'mfcc':
      return `mfcc = librosa.feature.mfcc(S=librosa.power_to_db(librosa.feature.melspectrogram(S=P, sr=sr, n_fft=${c.nFft}, n_mels=${c.nMels}, fmin=${c.fmin}, fmax=${melFmax(c)}, htk=False, norm='slaney'), ref=1.0, amin=1e-10, top_db=80.0), n_mfcc=${c.nMfcc}, dct_type=2, norm='ortho')`;
    case 'chroma':
      return `chroma = librosa.feature.chroma_stft(S=P, sr=sr, n_fft=${c.nFft}, n_chroma=${c.nChroma}, tuning=0.0, norm=np.inf)`;
    case 'contrast':
      return `spectral_contrast = librosa.feature.spectral_contrast(S=S, sr=sr, n_fft=${c.nFft}, n_bands=${c.contrastBands}, fmin=${c.contrastFmin}, quantile=0.02, linear=False)`;
    case 'rms':
      return `rms = librosa.feature.rms(S=S, frame_length=${c.nFft})   # from the windowed frames, not rms(y=y)`;
    case 'zcr':
      return `zcr = librosa.feature.zero_crossing_rate(y, frame_length=${c.nFft}, hop_length=${c.hopLength}, center=True)`;
    case 'centroid':
      return `spectral_centroid = librosa.feature.spectral_centroid(S=S, sr=sr, n_fft=${c.nFft})`;
    case 'pitch':
      // No librosa call gives the same numbers (pyin differs in tracker and gap filling).
      return `pitch = ...   # SER Studio's own F0 tracker, no librosa equivalent: port src/main/features/pitch.ts (rows: F0 in semitones re 100 Hz, unvoiced interpolated; voicing strength; slope)`;
  }
}

function featuresSection(m: ModelExportManifest): string {
  const c = m.featureConfig;
  const keys = c.features.map((f) => REFERENCE_KEYS[f]);
  const rows = c.features.map((f) => `${REFERENCE_KEYS[f]} (${featureRows(f, c)})`).join(', ');
  const level = c.levelDbfs;
  const lines = [
    'import librosa, numpy as np',
    '',
    `y, sr = librosa.load(path, sr=${c.sampleRate}, mono=True)   # mono, resampled to ${c.sampleRate} Hz`,
    ...(level != null
      ? [
          `# featureConfig.levelDbfs = ${level}: scale y so its active speech (20 ms blocks within 30 dB of the`,
          `# 95th-percentile block) has an RMS of ${level} dBFS, at most +60 dB`,
          'block = max(1, int(np.floor(0.02 * sr + 0.5))); nb = max(1, len(y) // block)',
          'power = np.array([np.mean(np.float64(y[b * block:(len(y) if b == nb - 1 else (b + 1) * block)]) ** 2) for b in range(nb)])',
          'top = np.sort(power)[min(nb - 1, int(np.floor(0.95 * (nb - 1))))]',
          'if top > 0:',
          `    gain = min(10 ** (${level} / 20) / np.sqrt(power[power >= top * 10 ** -3].mean()), 10 ** 3)`,
          '    y = (y * gain).astype(np.float32)',
        ]
      : []),
    ...(c.trimDb != null
      ? [
          `y, _ = librosa.effects.trim(y, top_db=${c.trimDb}, frame_length=${c.nFft}, hop_length=${c.hopLength})   # featureConfig.trimDb`,
        ]
      : []),
    `S = np.abs(librosa.stft(y, n_fft=${c.nFft}, hop_length=${c.hopLength}, window='hann', center=True, pad_mode='constant'))`,
    'P = S ** 2',
    ...c.features.map((f) => librosaLine(f, m)),
    `X = np.concatenate([${keys.join(', ')}], axis=0)   # [width, frames]`,
    ...(c.deltas > 0
      ? [
          `X = np.concatenate([X] + [librosa.feature.delta(X, width=9, order=o, mode='interp') for o in range(1, ${c.deltas + 1})], axis=0)`,
        ]
      : []),
    `X = X.T.astype(np.float32)   # [frames, ${m.columns.length}]: one row per frame, columns as ser-model.json "columns"`,
  ];
  return [
    '### 1. Features (librosa 0.10)',
    '',
    `Rows in this order: ${rows}${c.deltas > 0 ? `, then their order-1${c.deltas > 1 ? ' and order-2' : ''} deltas` : ''}.`,
    '',
    '```python',
    ...lines,
    '```',
    '',
    "These are SER Studio's own definitions (its features agree with librosa 0.10 to float32",
    'rounding on RAVDESS clips). `ser features --file clip.wav --json` prints the same matrices in',
    "librosa's `[coefficient][frame]` layout with these key names, to compare against.",
  ].join('\n');
}

function preNormalizationText(m: ModelExportManifest): string {
  const modes = [...new Set(m.members.map((x) => x.preNormalization.mode))];
  const out: string[] = ['### 2. Per-speaker or per-clip step'];
  for (const mode of modes) {
    if (mode === 'global') out.push('`preNormalization.mode` "global": nothing to do here.');
    if (mode === 'utterance')
      out.push(
        '`preNormalization.mode` "utterance": subtract the clip\'s own mean of every column: `X = X - X.mean(axis=0)`.',
      );
    if (mode === 'speaker')
      out.push(
        [
          '`preNormalization.mode` "speaker": **this model expects calibration.** Standardise every column by',
          "the speaker's statistics over all frames of several unlabeled clips of that speaker",
          `(SER Studio asks for at least ${m.calibrationMinimum?.clips ?? 8} clips and ${m.calibrationMinimum?.seconds ?? 20} s):`,
          '',
          '```python',
          'F = np.concatenate([features(p) for p in speaker_clips])   # every frame of every clip',
          'mu, sd = F.mean(axis=0), F.std(axis=0); sd[sd < 1e-6] = 1',
          'X = (X - mu) / sd',
          '```',
          '',
          'Without calibration clips, use `preNormalization.typical` (a typical training speaker:',
          'what `ser infer` does without `--calibrate`): `X = (X - typical.mean) / typical.std`.',
        ].join('\n'),
      );
  }
  return out.join('\n\n');
}

function stepsSection(m: ModelExportManifest): string {
  const pooled = m.members.some((x) => x.pooling);
  const seq = m.members.some((x) => x.windows);
  const out = [preNormalizationText(m)];
  if (pooled) {
    out.push(
      [
        '### 3. Pooling (MLP members: `pooling` is not null)',
        '',
        'Per column over the frames, concatenated block by block in the order of `pooling`: `mean`,',
        '`std` (population, ddof 0), `p10` / `p50` / `p90` (nearest rank on the sorted column: index',
        '`floor(q * (n - 1) + 0.5)`), `diff_std` (population std of the frame-to-frame differences).',
        '',
        '```python',
        'n = X.shape[0]; s = np.sort(X, axis=0)',
        'at = lambda q: s[int(np.floor(q * (n - 1) + 0.5))]',
        "stats = {'mean': X.mean(0), 'std': X.std(0), 'p10': at(0.1), 'p50': at(0.5), 'p90': at(0.9),",
        "         'diff_std': np.diff(X, axis=0).std(0) if n > 1 else np.zeros(X.shape[1])}",
        "v = np.concatenate([stats[k] for k in member['pooling']])   # [inputShape[0]]",
        '```',
        '',
        'When `pooledCentre` is not null (speaker models trained with speaker centring), subtract the',
        "speaker's centre from `v`: the mean of `v` over the calibration clips (each standardised by the",
        "speaker's statistics in step 1, then pooled), or without calibration clips `pooledCentre`",
        "itself (the typical training speaker's): `v = v - centre`.",
        '',
        'Pooling has no stock TensorFlow.js layers (a standard deviation needs the square root of a',
        'mean, a percentile a sort), so it happens before the model, not in it.',
      ].join('\n'),
    );
  }
  out.push(
    [
      `### ${pooled ? 4 : 3}. Standardise`,
      '',
      "`(x - normalization.mean) / normalization.std` per column: on every frame's row (sequence",
      'members) or on the pooled vector (MLP members).',
    ].join('\n'),
  );
  if (seq) {
    out.push(
      [
        `### ${pooled ? 5 : 4}. Windows (CNN-LSTM members: \`windows\` is not null)`,
        '',
        'The model takes `windows.frames` frames. A shorter clip is centred in zero rows',
        '(`floor((frames - n) / 2)` before it, the rest after). A longer clip is cut into windows starting',
        'at 0, hop, 2 hop, ... while `start + frames < n`, plus one flush with the end (`n - frames`);',
        'their probabilities are averaged.',
      ].join('\n'),
    );
  }
  out.push(
    [
      '### Predict',
      '',
      '`model.predict(tf.tensor(batch))` gives softmax probabilities in the order of `labels`. With',
      "several members, average the members' probabilities (`combine`: mean).",
    ].join('\n'),
  );
  if (m.temperature) {
    out.push(
      [
        '### Temperature',
        '',
        `The combined probabilities p are then scaled by the model's temperature T: ${m.temperature.single} for a clip`,
        `classified alone${m.temperature.calibrated !== null ? `, ${m.temperature.calibrated} for a clip calibrated with its speaker's clips` : ''}`,
        '(`temperature` in ser-model.json). Same ranking, honest confidence:',
        '',
        '```python',
        'z = np.log(np.maximum(p, 1e-30)) / T',
        'p = np.exp(z - z.max()); p /= p.sum()',
        '```',
      ].join('\n'),
    );
  }
  return out.join('\n\n');
}

export function exportReadme(m: ModelExportManifest): string {
  const members = m.members
    .map(
      (x, i) =>
        `- member ${i + 1}: \`${x.modelJson}\`, ${x.architecture}, input [batch, ${x.inputShape.join(', ')}]: ${x.layers.join(' → ')}`,
    )
    .join('\n');
  return `# Speech emotion model (exported from SER Studio)

Labels, in output order: ${m.labels.join(', ')}.

A standard TensorFlow.js LayersModel made only of stock layers, so it loads without SER Studio's
code:

${members}

${m.members.length > 1 ? 'The members are an ensemble: average their probabilities.\n\n' : ''}\`${MODEL_EXPORT_MANIFEST}\` holds everything else the model needs: the FeatureConfig, the
feature columns, and per member the normalisation statistics (with a typical speaker's when the model
expects calibration: \`expectsCalibration\` is ${m.expectsCalibration}), the pooling and the windows.
At export, each member was loaded back from these files and gave SER Studio's probabilities within
${m.check.maxAbsDifference.toExponential(1)} on ${m.check.inputs} random inputs.

## Load

\`\`\`js
// Browser, or Node with @tensorflow/tfjs-node (file://...)
const model = await tf.loadLayersModel('https://example.org/this-folder/model.json');

// Plain @tensorflow/tfjs in Node (no native addon)
const json = JSON.parse(fs.readFileSync('model.json', 'utf8'));
const bytes = fs.readFileSync('weights.bin');
const model = await tf.loadLayersModel(tf.io.fromMemory({
  modelTopology: json.modelTopology,
  weightSpecs: json.weightsManifest[0].weights,
  weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
}));
\`\`\`

Python: \`tensorflowjs_converter --input_format=tfjs_layers_model --output_format=keras model.json model.h5\`
converts it for Keras (not tested by SER Studio).

## From audio to probabilities

${featuresSection(m)}

${stepsSection(m)}
`;
}
