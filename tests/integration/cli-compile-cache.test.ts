/**
 * The code cache `ser` keeps for TensorFlow.js's CommonJS modules (bin/compile-cache.mjs), in a
 * child Node with its own temp folder: the first start writes it, the next loads tfjs from it,
 * a damaged cache file is refused by V8, rewritten, and costs nothing but a compile, and a cache
 * folder other users could write to is not read.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/shared-data.js';

const tmp = mkdtempSync(join(tmpdir(), 'ser-compile-cache-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A child that enables the cache, requires tfjs-core, and prints the cache's counts. */
function start(): { modules: number; fromCache: number; ops: boolean } {
  const script = `
    const { enableCompileCache } = await import('./bin/compile-cache.mjs');
    const stats = enableCompileCache();
    const { createRequire } = await import('node:module');
    const tf = createRequire(import.meta.url)('@tensorflow/tfjs-core');
    console.log(JSON.stringify({ ...stats, ops: typeof tf.matMul === 'function' }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    env: { ...process.env, TMPDIR: tmp, SER_NO_COMPILE_CACHE: '' },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
    modules: number;
    fromCache: number;
    ops: boolean;
  };
}

const nodeHasOwn = Number(process.versions.node.split('.')[0]) >= 22;

describe.skipIf(nodeHasOwn)('the compile cache on Node 20 (Node 22 has module.enableCompileCache)', () => {
  it('is written by the first start, used by the next, and survives a damaged file', () => {
    const first = start();
    expect(first.ops).toBe(true);
    expect(first.modules).toBeGreaterThan(0);
    expect(first.fromCache).toBe(0);
    const root = join(tmp, `ser-compile-cache-${process.getuid?.() ?? 'user'}`);
    const dir = join(root, `${process.version}-${process.arch}`);
    const files = readdirSync(dir).filter((f) => !f.endsWith('.tmp'));
    expect(files.length).toBe(first.modules);

    const second = start();
    expect(second).toEqual({ modules: first.modules, fromCache: first.modules, ops: true });

    writeFileSync(join(dir, files[0]!), 'not V8 code cache data');
    const third = start();
    expect(third).toEqual({ modules: first.modules, fromCache: first.modules - 1, ops: true });
    expect(start().fromCache).toBe(first.modules);

    // A folder others can write to is not read (on a shared /tmp anyone could plant code there).
    if (typeof process.getuid === 'function') {
      chmodSync(root, 0o777);
      expect(start().fromCache).toBe(0);
      chmodSync(root, 0o700);
      expect(start().fromCache).toBe(first.modules);
    }
  });
});
