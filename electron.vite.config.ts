import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/**
 * electron-vite reads Electron's version from the installed package to pick the Node/Chrome
 * build targets. Where the optional `electron` package is absent (its binary download failed),
 * take the major version from package.json instead, so `npm run build` still works.
 */
function pinElectronVersion(): void {
  if (process.env.ELECTRON_MAJOR_VER) return;
  try {
    createRequire(import.meta.url).resolve('electron/package.json');
  } catch {
    const pkg = JSON.parse(readFileSync(resolve('package.json'), 'utf8')) as {
      optionalDependencies?: Record<string, string>;
    };
    const major = /(\d+)/.exec(pkg.optionalDependencies?.electron ?? '')?.[1];
    if (!major)
      throw new Error(
        'SER Studio: cannot tell the Electron version (package.json optionalDependencies.electron)',
      );
    process.env.ELECTRON_MAJOR_VER = major;
  }
}
pinElectronVersion();

/**
 * Workers are started with `startWorker(new URL('./worker.ts', import.meta.url), ...)`
 * (src/main/util/worker.ts). From sources tsx runs the .ts; in the bundle each worker must be
 * its own .js entry. This plugin emits every such module as an entry beside index.js, named
 * after its folder (`training-worker.js`, `features-worker.js`), and points the URL at it from
 * wherever the code that starts it ends up.
 */
function workerEntries(): Plugin {
  const pattern = /new URL\(\s*(['"])(\.{1,2}\/[^'"]+\.ts)\1\s*,\s*import\.meta\.url\s*\)/g;
  const placeholder = /__SER_WORKER_([\w$]+)__/g;
  return {
    name: 'ser-worker-entries',
    transform(code, id) {
      if (!id.endsWith('.ts') || !code.includes('import.meta.url')) return null;
      let out = '';
      let last = 0;
      for (const m of code.matchAll(pattern)) {
        const file = resolve(dirname(id), m[2]!);
        const base = basename(file, '.ts');
        const fileName = `${basename(dirname(file))}-${base}.js`;
        const ref = this.emitFile({ type: 'chunk', id: file, fileName, preserveSignature: 'strict' });
        out += code.slice(last, m.index) + `new URL(__SER_WORKER_${ref}__, import.meta.url)`;
        last = m.index + m[0].length;
      }
      return last === 0 ? null : { code: out + code.slice(last), map: null };
    },
    renderChunk(code, chunk) {
      if (!code.includes('__SER_WORKER_')) return null;
      const from = dirname(chunk.fileName);
      return {
        code: code.replace(placeholder, (_m, ref: string) => {
          const rel = relative(from, this.getFileName(ref)).split('\\').join('/');
          return JSON.stringify(rel.startsWith('.') ? rel : `./${rel}`);
        }),
        map: null,
      };
    },
  };
}

/**
 * electron-vite prepends a CommonJS shim (`const require = createRequire(import.meta.url)`) to
 * every ESM chunk that mentions `require(`; a module that makes its own `require` the same way
 * (src/main/model/backend.ts) would then declare it twice in one chunk. Rename the module's own.
 */
function ownRequireRename(): Plugin {
  const decl = /\b(const|let|var)\s+require\s*=\s*createRequire\(/;
  return {
    name: 'ser-own-require',
    transform(code, id) {
      if (!id.endsWith('.ts') || !decl.test(code)) return null;
      return { code: code.replace(/\brequire\b(?=\s*[=(.])/g, '__serRequire'), map: null };
    },
  };
}

/** `npm run build` needs no Electron binary, but say clearly that running the result does. */
function electronNote(): Plugin {
  return {
    name: 'ser-electron-note',
    apply: 'build',
    closeBundle() {
      try {
        readFileSync(resolve('node_modules/electron/path.txt'));
      } catch {
        console.warn(
          '\nSER Studio: built out/main, out/preload and out/renderer. The Electron binary is not installed ' +
            'here, so `npm start` runs the same UI in a browser instead of the window.\n',
        );
      }
    },
  };
}

// Main and preload run in Node/Electron; the renderer is the same Svelte app the web host serves.
export default defineConfig({
  main: {
    plugins: [workerEntries(), ownRequireRename(), electronNote()],
    build: {
      // Dependencies stay in node_modules (native better-sqlite3, tfjs's .wasm files).
      externalizeDeps: true,
      rollupOptions: {
        input: { index: resolve('src/main/index.ts') },
        output: { entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload can only require 'electron': bundle everything else (the contract)
      // into one CommonJS file.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    // The plugin looks for svelte.config.js in `root`, where there is none: name the repository's
    // (vite.web.config.ts does the same), so the Electron and web builds preprocess alike.
    plugins: [svelte({ configFile: fileURLToPath(new URL('./svelte.config.js', import.meta.url)) })],
    build: { rollupOptions: { input: resolve('src/renderer/index.html') } },
  },
});
