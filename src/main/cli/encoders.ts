/**
 * `ser encoders list | pull ID | import DIR | remove ID`: the pretrained speech encoders on this
 * machine (src/main/encoders). `pull` shows bytes, rate and ETA and Ctrl-C cancels it (what was
 * fetched is kept and the next pull resumes); `--json` prints one JSON object as the last line.
 */
import { z } from 'zod';
import { ENCODER_CATALOGUE, catalogueEntry } from '../../shared/encoders.js';
import { SerError } from '../../shared/errors.js';
import { defaultEncoderDir } from '../encoders/paths.js';
import { importEncoder, listEncoders, pullEncoder, removeEncoder } from '../encoders/store.js';
import { COMMON_OPTIONS, UsageError, commandFlags } from './args.js';
import { createProgress, formatSeconds } from './progress.js';

const USAGE = `usage: ser encoders list | pull ID [--full] | import DIR [--id ID] | remove ID [options]

  list          the catalogue (${ENCODER_CATALOGUE.map((e) => e.id).join(', ')}) and imported encoders, with size and whether downloaded
  pull ID       download a catalogue encoder once (the 8-bit quantised export; --full for full precision),
                verified before use; resumes after an interruption; Ctrl-C cancels
  import DIR    add a folder in the Hugging Face layout (config.json, preprocessor_config.json,
                onnx/model.onnx) as local/<folder name> or --id ID: offline machines, your own export
  remove ID     delete a downloaded or imported encoder
  --dir DIR     where encoders live (default $SER_ENCODER_DIR, else ${defaultEncoderDir()})
  --json        one JSON object as the last line
  --help`;

const OPTIONS = {
  dir: { type: 'string' },
  id: { type: 'string' },
  full: { type: 'boolean' },
  ...COMMON_OPTIONS,
} as const;

const flagSchema = z.object({
  action: z.enum(['list', 'pull', 'import', 'remove'], { error: 'must be list, pull, import or remove' }),
  target: z.string().min(1).optional(),
  dir: z.string().min(1).optional(),
  id: z.string().min(1).optional(),
  full: z.boolean().optional(),
  json: z.boolean().optional(),
});

const mb = (n: number) => `${n >= 100 ? n.toFixed(0) : n.toFixed(1)} MB`;

export async function run(argv: string[]): Promise<number> {
  const f = commandFlags('encoders', argv, OPTIONS, flagSchema, USAGE, {
    positionals: true,
    input: (values, positionals) => ({ ...values, action: positionals[0], target: positionals[1] }),
    check: (flags) => {
      if (flags.action !== 'list' && !flags.target) {
        throw new UsageError(
          `${flags.action} needs ${flags.action === 'import' ? 'a folder' : 'an encoder id'}`,
        );
      }
    },
  });
  if (typeof f === 'number') return f;
  const root = f.dir ?? defaultEncoderDir();

  if (f.action === 'list') {
    const rows = listEncoders(root);
    if (f.json) console.log(JSON.stringify({ dir: root, encoders: rows }));
    else {
      console.log(`encoders in ${root}`);
      for (const r of rows) {
        console.log(
          `  ${r.id.padEnd(22)} ${r.label.padEnd(16)} ${mb(r.sizeMB).padStart(8)}  ${r.downloaded ? 'downloaded' : 'not downloaded'}${r.repo ? `  ${r.repo}@${r.revision.slice(0, 7)}` : ''}`,
        );
      }
    }
    return 0;
  }
  const target = f.target!;
  if (f.action === 'remove') {
    const had = await removeEncoder(root, target);
    if (!had) throw new SerError('NotFound', `no encoder ${target} in ${root}`);
    if (f.json) console.log(JSON.stringify({ removed: target }));
    else console.log(`removed ${target}`);
    return 0;
  }
  if (f.action === 'import') {
    const m = await importEncoder(target, { root, id: f.id });
    if (f.json) console.log(JSON.stringify(m));
    else console.log(`imported ${m.id}: ${m.model}, hidden size ${m.hiddenSize}, ${mb(m.modelBytes / 1e6)}`);
    return 0;
  }
  const entry = catalogueEntry(target);
  if (!entry)
    throw new UsageError(
      `unknown encoder '${target}' (one of ${ENCODER_CATALOGUE.map((e) => e.id).join(', ')})`,
    );
  const progress = createProgress({ quiet: f.json });
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  let started = false;
  try {
    const m = await pullEncoder(entry, {
      root,
      full: f.full,
      signal: abort.signal,
      onProgress: (p) => {
        const total = p.totalBytes ?? p.bytes;
        if (!started) {
          started = true;
          progress.start(p.file, total);
          if (p.resumedFrom > 0) progress.note(`resuming ${p.file} at ${mb(p.resumedFrom / 1e6)}`);
        }
        progress.update(
          p.bytes,
          `${mb(p.bytes / 1e6)} ${(p.rate / 1e6).toFixed(1)} MB/s ETA ${p.etaSeconds === null ? '?' : formatSeconds(p.etaSeconds)}`,
        );
      },
    });
    progress.stop();
    if (f.json) console.log(JSON.stringify(m));
    else
      console.log(
        `${m.id} ready: ${m.repo}@${m.revision.slice(0, 7)} ${m.model}, sha256 ${m.modelSha256.slice(0, 12)}…, hidden size ${m.hiddenSize}`,
      );
    return 0;
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
  }
}
