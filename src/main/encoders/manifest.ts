/**
 * `encoder.json`: what an installed encoder folder holds and where it came from. Written last,
 * after every file is verified, so a folder without it is not an encoder (never loaded).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { SerError } from '../../shared/errors.js';
import { formatZodError } from '../../shared/zod-issues.js';
import { MANIFEST } from './paths.js';

export const ManifestSchema = z.strictObject({
  id: z.string().min(1),
  label: z.string(),
  source: z.enum(['catalogue', 'imported']),
  repo: z.string().nullable(),
  /** The Hub commit, or for an imported folder the sha256 of its model file (its identity). */
  revision: z.string().min(1),
  /** The ONNX file inside the folder. */
  model: z.string().min(1),
  modelSha256: z.string().regex(/^[0-9a-f]{64}$/),
  modelBytes: z.number().int().positive(),
  hiddenSize: z.number().int().positive(),
  installedAt: z.string(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new SerError(
      'EncoderError',
      e.code === 'ENOENT'
        ? `not an installed encoder (no ${MANIFEST}): ${dir}`
        : `unreadable ${MANIFEST}: ${path}`,
      dir,
    );
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success)
    throw new SerError(
      'EncoderError',
      `invalid ${MANIFEST} (${formatZodError(parsed.error)}): ${path}`,
      path,
    );
  return parsed.data;
}
