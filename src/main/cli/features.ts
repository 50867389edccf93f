/**
 * `ser features --file PATH [--config FILE.json] [--json]`: the features of one file, with the
 * config that produced them. --json prints librosa's layout (`features[key][coefficient][frame]`,
 * keys as in ../shared/reference/librosa-features.json), so anyone can diff against librosa.
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { SerError } from '../../shared/errors.js';
import { ALL_FEATURES, type FeatureConfig } from '../../shared/features.js';
import { parseFeatureConfig } from '../features/config.js';
import { COMMON_OPTIONS, parseCommandArgs, requiredFlag } from './args.js';
import { withService } from './service.js';
import { exitQuietlyOnClosedPipe, textTable } from './text.js';

const USAGE = `usage: ser features --file PATH [--config FILE.json] [--json]

  --file PATH      audio file (WAV, MP3, FLAC, OGG); resampled to the config's sampleRate
  --config FILE    JSON object overriding FeatureConfig fields, e.g.
                   {"sampleRate": 22050, "nMels": 64, "features": ["mfcc", "chroma"], "deltas": 1}
                   (fields: sampleRate nFft hopLength nMels nMfcc fmin fmax nChroma
                   contrastBands contrastFmin features deltas)
  --json           print { config, file, n_frames, features: { mfcc: [[...]], log_mel, chroma,
                   spectral_contrast, rms, zcr, spectral_centroid, pitch } }, each [coefficient][frame]
                   (pitch, our own F0 tracker, has no librosa counterpart: semitones re 100 Hz,
                   voicing strength, slope)

Without --config every feature is computed (the training default is mfcc, chroma, contrast,
logmel); defaults follow librosa 0.10: 16 kHz, n_fft 2048, hop 512, 128 mels, 40 MFCCs.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      file: { type: 'string' },
      config: { type: 'string' },
      ...COMMON_OPTIONS,
    },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const file = requiredFlag(values.file, 'file', USAGE);

  const cfg = values.config
    ? loadConfig(values.config)
    : { ...parseFeatureConfig({}), features: [...ALL_FEATURES] };
  const x = await withService({}, (s) => s.call('features.extract', { path: resolve(file), config: cfg }));

  if (values.json) {
    exitQuietlyOnClosedPipe();
    // librosa's layout, the file as given: { config, file, n_frames, features, warnings }.
    const layout = {
      config: x.config,
      file,
      n_frames: x.n_frames,
      features: x.features,
      warnings: x.warnings,
    };
    process.stdout.write(
      `${JSON.stringify(layout, (_k, v: unknown) => (typeof v === 'number' ? shortFloat32(v) : v))}\n`,
    );
    return 0;
  }
  const lines = [
    `${basename(file)}: ${x.duration.toFixed(3)} s, ${x.samples} samples at ${cfg.sampleRate} Hz`,
    `config: ${JSON.stringify(cfg)}`,
    `frames: ${x.n_frames} (hop ${cfg.hopLength}, n_fft ${cfg.nFft}, centred); frame width ${x.width}`,
    '',
    textTable(
      [
        ['feature', 'shape', 'min', 'max', 'mean'],
        ...Object.entries(x.features).map(([key, rows]) => {
          const { min, max, mean } = range(rows);
          return [key, `${rows.length} x ${x.n_frames}`, fmt(min), fmt(max), fmt(mean)];
        }),
      ],
      (column) => column > 0,
    ),
  ];
  for (const w of x.warnings) lines.push(`warning: ${w}`);
  console.log(lines.join('\n'));
  return 0;
}

function loadConfig(path: string): FeatureConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SerError(
      code === 'ENOENT' ? 'NotFound' : 'ValidationError',
      `cannot read config (${code ?? String(err)}): ${path}`,
      path,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SerError(
      'ValidationError',
      `config is not valid JSON (${(err as Error).message}): ${path}`,
      path,
    );
  }
  const cfg = parseFeatureConfig(json, `config ${basename(path)}`);
  // A config that does not choose features gets all of them, like the flag-less default.
  if (json && typeof json === 'object' && !('features' in json)) cfg.features = [...ALL_FEATURES];
  return cfg;
}

/** The shortest decimal that reads back as the same float32 (features are float32). */
function shortFloat32(v: number): number {
  if (!Number.isFinite(v) || Number.isInteger(v)) return v;
  const f = Math.fround(v);
  if (f !== v) return v;
  for (let p = 6; p < 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === f) return s;
  }
  return Number(v.toPrecision(9));
}

function range(rows: number[][]): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  for (const row of rows) {
    for (const v of row) {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      n++;
    }
  }
  return { min, max, mean: n ? sum / n : NaN };
}

function fmt(x: number): string {
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(3) : x.toFixed(a >= 100 ? 1 : 4);
}
