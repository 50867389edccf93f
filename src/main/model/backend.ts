/**
 * Backend choice: the fastest TensorFlow.js backend that loads, in the order
 * `tensorflow` (native, @tensorflow/tfjs-node, optional) > `wasm` > `cpu`.
 * Nothing is logged here; callers get the chosen name and `backendInfo()` for their logs.
 */
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import type { BackendName } from '../../shared/training.js';
import { tf } from './tf.js';
import { installSharedWasmIdentity } from './wasm-identity-kernel.js';
import { installFastWasmSlice } from './wasm-slice-kernel.js';

export type { BackendName };

export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Why it was not used (or 'not tried: ...'); empty when it is the one in use. */
  reason: string;
}

export interface BackendInfo {
  /** The backend in use, or null before initBackend. */
  name: BackendName | null;
  tfjsVersion: string;
  attempts: BackendAttempt[];
  /** wasm build details, when wasm was loaded. */
  wasm: { simd: boolean; threads: number } | null;
  /** One line for logs and the UI, e.g. `wasm (simd); tensorflow: @tensorflow/tfjs-node not installed`. */
  summary: string;
}

const require = createRequire(import.meta.url);
let attempts: BackendAttempt[] = [];
let wasmDetails: BackendInfo['wasm'] = null;
let wasmLoaded: Promise<string | null> | null = null;
let nodeLoaded: Promise<string | null> | null = null;

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] ?? msg;
}

/** Resolves to null when the backend factory is registered, else the reason it is not. */
function loadTensorflow(): Promise<string | null> {
  nodeLoaded ??= (async () => {
    const pkg = '@tensorflow/tfjs-node';
    try {
      // A variable specifier keeps bundlers and tsc from requiring the optional package.
      await import(/* @vite-ignore */ pkg);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const missing =
        (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
        firstLine(err).includes(`'${pkg}'`);
      return missing ? `${pkg} not installed` : `${pkg} failed to load: ${firstLine(err)}`;
    }
    if (!tf.findBackendFactory('tensorflow')) {
      // tfjs-node registered into its own nested tfjs-core: using it would split the engine in two.
      return `${pkg} uses a different copy of @tensorflow/tfjs-core than ${tf.version.tfjs}; install a matching version`;
    }
    return null;
  })();
  return nodeLoaded;
}

/**
 * The folder holding tfjs-backend-wasm's .wasm files (works under plain Node and in workers). In
 * a packaged desktop app the package is inside app.asar and its .wasm files are unpacked beside
 * it (scripts/electron-builder-config.ts), to be read as real files: point tfjs at that copy.
 */
export function wasmDistDir(): string {
  const dir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + sep;
  return dir.replace(`${sep}app.asar${sep}`, `${sep}app.asar.unpacked${sep}`);
}

function loadWasm(): Promise<string | null> {
  wasmLoaded ??= (async () => {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (!tf.findBackendFactory('wasm')) {
        return `@tensorflow/tfjs-backend-wasm uses a different copy of @tensorflow/tfjs-core than ${tf.version.tfjs}`;
      }
      wasm.setWasmPaths(wasmDistDir());
      return null;
    } catch (err) {
      return `@tensorflow/tfjs-backend-wasm failed to load: ${firstLine(err)}`;
    }
  })();
  return wasmLoaded;
}

async function trySet(name: BackendName): Promise<string | null> {
  const unavailable =
    name === 'tensorflow' ? await loadTensorflow() : name === 'wasm' ? await loadWasm() : null;
  if (unavailable) return unavailable;
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return `${name} backend failed to initialise`;
    await tf.ready();
  } catch (err) {
    return `${name} backend failed to initialise: ${firstLine(err)}`;
  }
  if (name === 'wasm') {
    installFastWasmSlice();
    installSharedWasmIdentity();
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const threads = (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount();
    wasmDetails = { simd, threads };
  }
  return null;
}

function isBackendName(s: string | undefined): s is BackendName {
  return s === 'tensorflow' || s === 'wasm' || s === 'cpu';
}

/**
 * Select the best backend that loads and return its name. `prefer` (or the SER_BACKEND
 * environment variable) is tried first, then the backends after it in BACKEND_ORDER, so
 * `prefer: 'cpu'` always gives cpu. Calling again with another `prefer` switches backend;
 * without one, an already initialised backend is kept.
 */
export function initBackend(prefer?: BackendName): Promise<BackendName> {
  // One at a time: two callers switching backends concurrently would interleave setBackend.
  const run = queue.then(() => selectBackend(prefer));
  queue = run.catch(() => undefined);
  return run;
}
let queue: Promise<unknown> = Promise.resolve();

async function selectBackend(prefer?: BackendName): Promise<BackendName> {
  // Production mode silences tfjs's console banners (e.g. the cpu backend's "install
  // tfjs-node" notice): the engine reports its backend through backendInfo() instead.
  if (!tf.env().getBool('PROD')) tf.enableProdMode();
  const env = process.env.SER_BACKEND;
  const wanted = prefer ?? (isBackendName(env) ? env : undefined);
  const current = currentBackend();
  if (current && (wanted === undefined || wanted === current)) return current;

  const start = wanted ? BACKEND_ORDER.indexOf(wanted) : 0;
  const result: BackendAttempt[] = BACKEND_ORDER.slice(0, start).map((name) => ({
    name,
    ok: false,
    reason: `not tried: ${wanted} requested`,
  }));
  let chosen: BackendName | null = null;
  for (const name of BACKEND_ORDER.slice(start)) {
    if (chosen) {
      result.push({ name, ok: false, reason: `not needed: ${chosen} loaded` });
      continue;
    }
    const reason = await trySet(name);
    result.push({ name, ok: reason === null, reason: reason ?? '' });
    if (reason === null) chosen = name;
  }
  attempts = result;
  // cpu is part of @tensorflow/tfjs, so reaching here without a backend means tfjs itself is broken.
  if (!chosen) throw new Error(`no TensorFlow.js backend could be initialised: ${describe(result)}`);
  return chosen;
}

function currentBackend(): BackendName | null {
  const name = tf.engine().backendName as string | null | undefined;
  return isBackendName(name ?? undefined) && attempts.length > 0 ? (name as BackendName) : null;
}

/** Why better backends were not used; skips the ones not tried or not needed. */
function describe(list: BackendAttempt[]): string {
  return list
    .filter((a) => !a.ok && !a.reason.startsWith('not '))
    .map((a) => `${a.name}: ${a.reason}`)
    .join('; ');
}

export function backendInfo(): BackendInfo {
  const name = currentBackend();
  let head = name ?? 'no backend';
  if (name === 'wasm' && wasmDetails) {
    head += ` (${wasmDetails.simd ? 'simd' : 'no simd'}, ${wasmDetails.threads} thread${wasmDetails.threads === 1 ? '' : 's'})`;
  }
  if (attempts.some((a) => a.reason.startsWith('not tried'))) head += ' (requested)';
  const why = describe(attempts);
  return {
    name,
    tfjsVersion: tf.version.tfjs,
    attempts: attempts.map((a) => ({ ...a })),
    wasm: name === 'wasm' ? wasmDetails : null,
    summary: why ? `${head}; ${why}` : head,
  };
}
