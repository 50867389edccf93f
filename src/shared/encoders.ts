/**
 * The catalogue of pretrained speech encoders, defined once: what `ser encoders`, the service and
 * the app offer. Each entry was checked against its public Hugging Face model page (repository,
 * the files under onnx/ and their sizes, the commit the revision pins); what could not be seen
 * there is null or said in `unconfirmed`. The downloader verifies what is known (sha256, the
 * server's byte count) and the loader checks the input and output names of whatever it opens,
 * so an entry that is wrong fails with a one-line reason instead of producing garbage.
 *
 * Left out, and why:
 * - Xenova/wav2vec2-base-960h: its export is the CTC model (task "automatic speech recognition"),
 *   whose output is character logits, not hidden states.
 * - Whisper's encoder (Xenova/whisper-base, onnx/encoder_model.onnx): its input is
 *   `input_features`, an 80-band log-mel of exactly 30 s, not `input_values`; the Whisper
 *   feature extractor it needs is not built here.
 *
 * Plain data and zod only (the renderer bundles it).
 */
import { z } from 'zod';

export const ENCODER_SAMPLE_RATE = 16_000;
/** The input and output every catalogue export (and an imported folder) must have. */
export const ENCODER_INPUT = 'input_values';
export const ENCODER_OUTPUT = 'last_hidden_state';

export const EncoderFileSchema = z.strictObject({
  /** Path inside the repository, e.g. `onnx/model_quantized.onnx`. */
  path: z.string().min(1),
  /** Approximate size as the model page shows it (MB, 10^6 bytes), for the UI before download. */
  sizeMB: z.number().positive(),
  /** sha256 of the file where the model page publishes it (Git LFS pointer), else null. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
});
export type EncoderFile = z.infer<typeof EncoderFileSchema>;

export const EncoderEntrySchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)?$/),
  label: z.string(),
  /** Hub repository, `owner/name`. */
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
  /** The commit (40 hex) every file is fetched at, so a download never changes under a model. */
  revision: z.string().regex(/^[0-9a-f]{40}$/),
  /** The full-precision export and the 8-bit quantised one (the default download). */
  full: EncoderFileSchema,
  quantized: EncoderFileSchema.nullable(),
  licence: z.string(),
  sampleRate: z.literal(ENCODER_SAMPLE_RATE),
  hiddenSize: z.number().int().positive(),
  output: z.literal(ENCODER_OUTPUT),
  /** The paper, for the README's literature column. */
  paper: z.string(),
  /** What the model page did not show and is taken from the export convention instead. */
  unconfirmed: z.string().nullable(),
});
export type EncoderEntry = z.infer<typeof EncoderEntrySchema>;

/** The small JSON files of the Hub layout, fetched beside the model file. */
export const ENCODER_SIDE_FILES = ['config.json', 'preprocessor_config.json'] as const;

const WAVLM_PAPER = 'Chen et al. 2022, WavLM (IEEE JSTSP), arXiv:2110.13900';
const NO_SHA_OUTPUT_BY_CONVENTION =
  'sha256 not published on the pages seen; output name by the transformers.js feature-extraction export (checked at load)';

export const ENCODER_CATALOGUE: readonly EncoderEntry[] = [
  {
    id: 'wavlm-base-plus',
    label: 'WavLM Base+',
    repo: 'Xenova/wavlm-base-plus',
    revision: '27b8ee283bf6c3a5ae77d7e90d8e40a6925288e2',
    full: { path: 'onnx/model.onnx', sizeMB: 378, sha256: null },
    quantized: { path: 'onnx/model_quantized.onnx', sizeMB: 95.4, sha256: null },
    licence: 'MIT (microsoft/wavlm-base-plus)',
    sampleRate: ENCODER_SAMPLE_RATE,
    hiddenSize: 768,
    output: ENCODER_OUTPUT,
    paper: WAVLM_PAPER,
    unconfirmed: NO_SHA_OUTPUT_BY_CONVENTION,
  },
  {
    id: 'hubert-base-ls960',
    label: 'HuBERT Base',
    repo: 'Xenova/hubert-base-ls960',
    revision: '605602b14ca8b3bfe9a3f6d28bfc7120e27d8223',
    full: { path: 'onnx/model.onnx', sizeMB: 378, sha256: null },
    quantized: {
      path: 'onnx/model_quantized.onnx',
      sizeMB: 95.6,
      sha256: '786786c4a3eef866901137c4f0d0ab3ac139b49997b446643cde7f633b8744b3',
    },
    licence: 'Apache-2.0 (facebook/hubert-base-ls960)',
    sampleRate: ENCODER_SAMPLE_RATE,
    hiddenSize: 768,
    output: ENCODER_OUTPUT,
    paper: 'Hsu et al. 2021, HuBERT (IEEE/ACM TASLP), arXiv:2106.07447',
    unconfirmed: 'sha256 of the full model not published on the pages seen',
  },
  {
    id: 'wavlm-large',
    label: 'WavLM Large',
    repo: 'Xenova/wavlm-large',
    revision: 'e0b9f7a974ec05a096f2a8c996cc88eae1075911',
    full: { path: 'onnx/model.onnx', sizeMB: 1260, sha256: null },
    quantized: { path: 'onnx/model_quantized.onnx', sizeMB: 318, sha256: null },
    licence: 'MIT (microsoft/wavlm-large)',
    sampleRate: ENCODER_SAMPLE_RATE,
    hiddenSize: 1024,
    output: ENCODER_OUTPUT,
    paper: WAVLM_PAPER,
    unconfirmed: NO_SHA_OUTPUT_BY_CONVENTION,
  },
];

export function catalogueEntry(id: string): EncoderEntry | undefined {
  return ENCODER_CATALOGUE.find((e) => e.id === id);
}

/** What `encoders.list` reports per encoder: the catalogue's and the imported ones. */
export interface EncoderStatus {
  id: string;
  label: string;
  source: 'catalogue' | 'imported';
  repo: string | null;
  revision: string;
  /** Download size of the default file (MB), or the installed size. */
  sizeMB: number;
  downloaded: boolean;
  /** The folder when downloaded. */
  dir: string | null;
}
