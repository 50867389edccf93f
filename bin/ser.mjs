#!/usr/bin/env node
// The `ser` command. Runs the prebuilt bundle (out/cli/bundle/, made by `npm install` through
// scripts/build-cli.mjs) when it is newer than every source file, else the TypeScript sources
// through tsx (a dev checkout after an edit: never a stale build). SER_FROM_SOURCE=1 forces tsx.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'out', 'cli', 'bundle', 'ser.js');

/** Newest modification time (ms) of the .ts files under `dir`, or 0. */
function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  if (process.env.SER_FROM_SOURCE || !existsSync(bundle)) return false;
  const src = join(root, 'src');
  if (!existsSync(src)) return true; // an installed package without sources
  const built = statSync(bundle).mtimeMs;
  return ['main', 'shared'].every((d) => !existsSync(join(src, d)) || newestSource(join(src, d)) <= built);
}

let main;
const fresh = bundleIsFresh();
if (process.env.SER_DEBUG)
  console.error(`ser: running ${fresh ? 'the prebuilt bundle' : 'the sources through tsx'}`);
if (fresh) {
  // TensorFlow.js from V8's code cache after the first start (compile-cache.mjs).
  (await import('./compile-cache.mjs')).enableCompileCache();
  ({ main } = await import('../out/cli/bundle/ser.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/main/cli/index.ts'));
}
process.exitCode = await main(process.argv.slice(2));
