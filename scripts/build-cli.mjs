#!/usr/bin/env node
/**
 * Prebuilds the `ser` command and its worker threads into out/cli/bundle/ (esbuild, which vite
 * already depends on), so users do not pay for tsx compiling TypeScript at every start.
 * Run by `npm install` (prepare) and `npm run build:cli`; bin/ser.mjs uses the bundle when it is
 * newer than the sources and falls back to tsx otherwise (a dev checkout after an edit).
 *
 * Layout: out/cli/bundle/ sits three folders below the repository root, as src/main/<area>/
 * does, so the sources' `new URL('../../../package.json', import.meta.url)`-style paths (package
 * version, bundled model, web build) resolve the same from the bundle. Each worker is its own
 * entry named after its folder (`training-worker.js`, `features-worker.js`, found by scanning
 * src/main for the pattern below); the plugin points the sources'
 * `new URL('./worker.ts', import.meta.url)` at it. npm packages stay external (native
 * better-sqlite3, tfjs's .wasm files found through its package.json).
 *
 * TensorFlow.js is loaded with require(), not import: Node's ESM loader scans every CommonJS
 * module it imports (and what it re-exports) for export names, and @tensorflow/tfjs re-exports
 * six packages; that scan took 420 ms of CPU, the same require() 120 ms. (Requiring only core,
 * layers and the cpu backend would be 65 ms, but @tensorflow/tfjs's bundle also registers the
 * gradients and chained ops, which tfjs-core's CommonJS build does not.)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT_DIR = resolve(ROOT, 'out', 'cli', 'bundle');

const WORKER_PATTERN = /new URL\(\s*(['"])(\.{1,2}\/[^'"]+\.ts)\1\s*,\s*import\.meta\.url\s*\)/g;

/** Every module started as a worker (`new URL('./x.ts', import.meta.url)` in src/main), by entry name. */
function findWorkers() {
  const workers = {};
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        for (const m of readFileSync(p, 'utf8').matchAll(WORKER_PATTERN)) {
          const file = resolve(dirname(p), m[2]);
          if (!file.startsWith(resolve(ROOT, 'src'))) continue;
          workers[`${basename(dirname(file))}-${basename(file, '.ts')}`] = relative(ROOT, file);
        }
      }
    }
  };
  walk(resolve(ROOT, 'src', 'main'));
  return workers;
}
const WORKERS = findWorkers();

/** `new URL('./worker.ts', import.meta.url)` -> `new URL('./<area>-worker.js', import.meta.url)`. */
const workerUrls = {
  name: 'ser-worker-urls',
  setup(build) {
    const byFile = new Map(Object.entries(WORKERS).map(([name, file]) => [resolve(ROOT, file), name]));
    build.onLoad({ filter: /src[\\/]main[\\/].*\.ts$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const code = await readFile(args.path, 'utf8');
      if (!code.includes('import.meta.url')) return undefined;
      const out = code.replace(WORKER_PATTERN, (whole, _q, rel) => {
        const target = resolve(dirname(args.path), rel);
        const name = byFile.get(target);
        if (!name) throw new Error(`${relative(ROOT, args.path)}: worker ${rel} was not found as an entry`);
        return `new URL('./${name}.js', import.meta.url)`;
      });
      return { contents: out, loader: 'ts' };
    });
  },
};

/**
 * Route the tfjs imports through require() (see above): each becomes a small ES module that
 * requires the package and re-exports its names (listed here, at build time), so both
 * `import * as tf` and `await import(...)` see the same named exports as before.
 */
const TFJS_NAMESPACE = 'ser-tfjs-require';
const tfjsRequire = {
  name: 'ser-tfjs-require',
  setup(build) {
    const requireHere = createRequire(resolve(ROOT, 'package.json'));
    build.onResolve({ filter: /^@tensorflow\/tfjs(-backend-wasm)?$/ }, (args) => ({
      path: args.path,
      namespace: TFJS_NAMESPACE,
    }));
    build.onLoad({ filter: /.*/, namespace: TFJS_NAMESPACE }, (args) => {
      const names = Object.keys(requireHere(args.path)).filter(
        (k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default',
      );
      return {
        contents: [
          "import { createRequire } from 'node:module';",
          `const m = createRequire(import.meta.url)(${JSON.stringify(args.path)});`,
          'export default m;',
          ...names.map((k) => `export const ${k} = m.${k};`),
        ].join('\n'),
        loader: 'js',
        resolveDir: ROOT,
      };
    });
  },
};

export async function buildCli({ quiet = false } = {}) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    if (!quiet) console.log('build-cli: esbuild not installed; `ser` will run from sources through tsx');
    return false;
  }
  const t0 = performance.now();
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { ser: 'src/main/cli/index.ts', ...WORKERS },
    outdir: OUT_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    chunkNames: 'chunk-[hash]',
    sourcemap: 'linked',
    // The sources import each other with .js specifiers that name .ts files.
    resolveExtensions: ['.ts', '.js', '.mjs'],
    logLevel: 'warning',
    plugins: [workerUrls, tfjsRequire],
  });
  writeFileSync(resolve(OUT_DIR, 'package.json'), '{ "type": "module" }\n');
  if (!quiet) {
    const ms = (performance.now() - t0).toFixed(0);
    console.log(
      `build-cli: ${relative(ROOT, OUT_DIR)}/ (${Object.keys(WORKERS).length} workers) in ${ms} ms`,
    );
  }
  return true;
}

if (process.argv[1] && basename(process.argv[1]) === 'build-cli.mjs') {
  const ok = await buildCli();
  if (!ok && !existsSync(OUT_DIR)) process.exitCode = 0;
}
