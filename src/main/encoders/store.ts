/**
 * The encoders on this machine: list (the catalogue's, downloaded or not, and imported ones),
 * pull (download a catalogue entry once, verified, atomically), import (a folder in the Hub
 * layout: offline machines, a user's own fine-tuned export) and remove. Each installed encoder
 * is a folder with `encoder.json` written last; a folder is renamed into place only when
 * complete, so nothing half-downloaded is ever loaded.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  ENCODER_CATALOGUE,
  ENCODER_SIDE_FILES,
  type EncoderEntry,
  type EncoderStatus,
  catalogueEntry,
} from '../../shared/encoders.js';
import { SerError } from '../../shared/errors.js';
import { writeError } from '../util/fs-error.js';
import { type DownloadProgress, fetchFile } from './download.js';
import { type Manifest, readManifest } from './manifest.js';
import { MANIFEST, encoderFolder, encoderFolderName, hubUrl, partialFolder } from './paths.js';
import { inspectEncoderModel } from './runtime.js';

function installed(root: string): Manifest[] {
  if (!existsSync(root)) return [];
  const out: Manifest[] = [];
  for (const name of readdirSync(root)) {
    if (name.startsWith('.')) continue;
    try {
      out.push(readManifest(join(root, name)));
    } catch {
      // not a complete encoder folder: ignored by list, never loaded
    }
  }
  return out;
}

export function listEncoders(root: string): EncoderStatus[] {
  const have = new Map(installed(root).map((m) => [m.id, m]));
  const rows: EncoderStatus[] = ENCODER_CATALOGUE.map((e) => {
    const m = have.get(e.id);
    return {
      id: e.id,
      label: e.label,
      source: 'catalogue',
      repo: e.repo,
      revision: e.revision,
      sizeMB: m ? m.modelBytes / 1e6 : (e.quantized ?? e.full).sizeMB,
      downloaded: m !== undefined && m.revision === e.revision,
      dir: m ? encoderFolder(root, e.id) : null,
    };
  });
  for (const m of have.values()) {
    if (catalogueEntry(m.id)) continue;
    rows.push({
      id: m.id,
      label: m.label,
      source: 'imported',
      repo: m.repo,
      revision: m.revision,
      sizeMB: m.modelBytes / 1e6,
      downloaded: true,
      dir: encoderFolder(root, m.id),
    });
  }
  return rows;
}

/** The installed folder and manifest of an encoder id, or a one-line error saying how to get it. */
export function resolveEncoder(root: string, id: string): { dir: string; manifest: Manifest } {
  const dir = encoderFolder(root, id);
  if (!existsSync(join(dir, MANIFEST))) {
    const how = catalogueEntry(id) ? `ser encoders pull ${id}` : 'ser encoders import DIR';
    throw new SerError('EncoderError', `encoder ${id} is not downloaded (${how})`, dir);
  }
  return { dir, manifest: readManifest(dir) };
}

export interface PullOptions {
  root: string;
  /** The full-precision file instead of the quantised one. */
  full?: boolean;
  baseUrl?: string;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
}

/** Downloads a catalogue entry (or any entry of that shape) once; returns its manifest. */
export async function pullEncoder(entry: EncoderEntry, o: PullOptions): Promise<Manifest> {
  const final = encoderFolder(o.root, entry.id);
  if (existsSync(join(final, MANIFEST))) {
    const m = readManifest(final);
    if (m.revision === entry.revision) return m;
  }
  const part = partialFolder(o.root, entry.id);
  const model = entry.quantized && !o.full ? entry.quantized : entry.full;
  const base = `${o.baseUrl ?? hubUrl()}/${entry.repo}/resolve/${entry.revision}`;
  // A part folder of another revision or file choice is not resumed.
  const stamp = `${entry.revision}:${model.path}`;
  const stampFile = join(part, '.download');
  if (existsSync(stampFile)) {
    const { readFileSync } = await import('node:fs');
    if (readFileSync(stampFile, 'utf8') !== stamp) await rm(part, { recursive: true, force: true });
  }
  try {
    await mkdir(part, { recursive: true });
    await writeFile(stampFile, stamp);
  } catch (err) {
    throw writeError(err, `create the download folder for ${entry.id}`, part, 'EncoderError');
  }
  for (const side of ENCODER_SIDE_FILES) {
    if (existsSync(join(part, side))) continue;
    await fetchFile({
      url: `${base}/${side}`,
      label: side,
      partPath: join(part, `${side}.part`),
      sha256: null,
      signal: o.signal,
    });
    await rename(join(part, `${side}.part`), join(part, side));
  }
  const modelPath = join(part, model.path);
  let sha256: string;
  let bytes: number;
  if (existsSync(modelPath)) {
    ({ sha256, bytes } = await hashFile(modelPath));
  } else {
    ({ sha256, bytes } = await fetchFile({
      url: `${base}/${model.path}`,
      label: model.path,
      partPath: `${modelPath}.part`,
      sha256: model.sha256,
      signal: o.signal,
      onProgress: o.onProgress,
    }));
    await rename(`${modelPath}.part`, modelPath);
  }
  const info = await inspectEncoderModel(modelPath);
  const manifest: Manifest = {
    id: entry.id,
    label: entry.label,
    source: 'catalogue',
    repo: entry.repo,
    revision: entry.revision,
    model: model.path,
    modelSha256: sha256,
    modelBytes: bytes,
    hiddenSize: info.hiddenSize,
    installedAt: new Date().toISOString(),
  };
  return install(part, final, manifest);
}

async function install(from: string, final: string, manifest: Manifest): Promise<Manifest> {
  try {
    await rm(join(from, '.download'), { force: true });
    await writeFile(join(from, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(final, { recursive: true, force: true });
    await mkdir(resolve(final, '..'), { recursive: true });
    await rename(from, final);
  } catch (err) {
    throw writeError(err, `install encoder ${manifest.id}`, final, 'EncoderError');
  }
  return manifest;
}

async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return { sha256: h.digest('hex'), bytes: statSync(path).size };
}

/** The ONNX file of a folder in the Hub layout (full precision first), or null. */
function modelFileOf(dir: string): string | null {
  for (const f of ['onnx/model.onnx', 'onnx/model_quantized.onnx', 'model.onnx']) {
    if (existsSync(join(dir, f))) return f;
  }
  return null;
}

/** Copies a folder in the Hub layout into the cache as `local/<name>` (or `id`); checked before. */
export async function importEncoder(src: string, o: { root: string; id?: string }): Promise<Manifest> {
  const dir = resolve(src);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new SerError('EncoderError', `not a folder: ${dir}`, dir);
  const model = modelFileOf(dir);
  if (!model) throw new SerError('EncoderError', `not an encoder folder (no onnx/model.onnx): ${dir}`, dir);
  if (!existsSync(join(dir, 'config.json'))) {
    throw new SerError('EncoderError', `not an encoder folder (no config.json): ${dir}`, dir);
  }
  const info = await inspectEncoderModel(join(dir, model));
  const id =
    o.id ??
    `local/${basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')}`;
  if (catalogueEntry(id))
    throw new SerError('EncoderError', `${id} is a catalogue id; import under another --id`, dir);
  const { sha256, bytes } = await hashFile(join(dir, model));
  const part = partialFolder(o.root, `import-${encoderFolderName(id)}`);
  await rm(part, { recursive: true, force: true });
  try {
    await mkdir(join(part, 'onnx'), { recursive: true });
    for (const f of [...ENCODER_SIDE_FILES, model]) {
      if (existsSync(join(dir, f))) await cp(join(dir, f), join(part, f));
    }
  } catch (err) {
    await rm(part, { recursive: true, force: true });
    throw writeError(err, `copy encoder ${id}`, part, 'EncoderError');
  }
  return install(part, encoderFolder(o.root, id), {
    id,
    label: basename(dir),
    source: 'imported',
    repo: null,
    revision: sha256.slice(0, 40),
    model,
    modelSha256: sha256,
    modelBytes: bytes,
    hiddenSize: info.hiddenSize,
    installedAt: new Date().toISOString(),
  });
}

/** Deletes an installed encoder and any partial download of it; false when there was none. */
export async function removeEncoder(root: string, id: string): Promise<boolean> {
  const dir = encoderFolder(root, id);
  const part = partialFolder(root, id);
  const had = existsSync(dir) || existsSync(part);
  await rm(dir, { recursive: true, force: true });
  await rm(part, { recursive: true, force: true });
  return had;
}
