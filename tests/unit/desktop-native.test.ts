/**
 * The native-module design of the desktop app, checked under Node: which better-sqlite3 build the
 * Electron main process would load (and the error when none loads), that a database opens through
 * the chosen file, and that a tfjs-node that cannot load (as under Electron's ABI) leaves the
 * engine on wasm with the reason recorded.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { checkoutNativeDir, SQLITE_ADDON, sqliteCandidates } from '../../src/main/desktop/native-build.js';
import { openDatabase } from '../../src/main/store/open.js';
import {
  chooseSqliteBinding,
  defaultSqliteBinding,
  sqliteBindingOption,
  useSqliteBinding,
} from '../../src/main/store/sqlite-binding.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const work = mkdtempSync(join(tmpdir(), 'ser-native-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(() => useSqliteBinding(null));

describe('better-sqlite3 build choice', () => {
  const target = { platform: 'linux' as const, arch: 'x64', abi: '140' };

  it('lists the packaged build only when packaged, the Electron build then the default from a checkout', () => {
    const ctx = {
      ...target,
      resourcesPath: '/opt/SER Studio/resources',
      repoRoot: '/src/ser',
      defaultBuild: '/d.node',
    };
    expect(sqliteCandidates({ ...ctx, isPackaged: true })).toEqual([
      join('/opt/SER Studio/resources', 'native', SQLITE_ADDON),
    ]);
    expect(sqliteCandidates({ ...ctx, isPackaged: false })).toEqual([
      join('/src/ser', '.cache', 'electron-native', 'linux-x64-abi140', SQLITE_ADDON),
      '/d.node',
    ]);
    expect(checkoutNativeDir('/r', { ...target, abi: '115' })).toBe(
      join('/r', '.cache', 'electron-native', 'linux-x64-abi115'),
    );
  });

  it('skips a missing and a broken build, loads the next, and opens a database with it', () => {
    const broken = join(work, 'broken', SQLITE_ADDON);
    const copy = join(work, 'copy.node');
    copyFileSync(defaultSqliteBinding(), copy);
    writeFileSync(join(work, 'not-elf.node'), 'this is not a shared object');

    const choice = chooseSqliteBinding([broken, join(work, 'not-elf.node'), copy], 'run the fix');
    expect(choice.file).toBe(copy);
    expect(choice.rejected).toHaveLength(2);
    expect(choice.rejected[0]).toBe(`${broken}: not built`);
    expect(choice.rejected[1]).toMatch(/not-elf\.node: .+/);

    useSqliteBinding(choice.file);
    expect(sqliteBindingOption()).toEqual({ nativeBinding: copy });
    const opened = openDatabase(join(work, 'ser.sqlite'));
    expect(opened.db.pragma('user_version', { simple: true })).toBeGreaterThan(0);
    opened.db.close();
    useSqliteBinding(null);
    expect(sqliteBindingOption()).toEqual({});
  });

  it('says which runtime and ABI found no build, and how to make one', () => {
    expect(() => chooseSqliteBinding([join(work, 'none.node')], '`npm run electron:native`')).toThrow(
      new RegExp(
        `no better-sqlite3 build loads in Node ${process.versions.node} \\(ABI ${process.versions.modules}\\): .*none\\.node: not built\\. Fix: \`npm run electron:native\``,
      ),
    );
  });
});

describe('tfjs-node that cannot load', () => {
  it('leaves the engine on wasm and says why', () => {
    // A loader hook makes '@tensorflow/tfjs-node' fail the way a Node-ABI build fails in Electron.
    const hook =
      'data:text/javascript,' +
      encodeURIComponent(
        `export async function resolve(s, c, next) {
           if (s === '@tensorflow/tfjs-node') return { url: 'data:text/javascript,throw new Error("The module tfjs_binding.node was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 140.")', shortCircuit: true };
           return next(s, c);
         }`,
      );
    const script = join(work, 'backend.mts');
    writeFileSync(
      script,
      `import { register } from 'node:module';
       register(${JSON.stringify(hook)});
       const { initBackend, backendInfo } = await import(${JSON.stringify(join(REPO_ROOT, 'src', 'main', 'model', 'backend.ts'))});
       const name = await initBackend();
       console.log(JSON.stringify({ name, info: backendInfo() }));`,
    );
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'run-ts.mjs'), script], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, SER_BACKEND: '' },
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      name: string;
      info: { summary: string; attempts: { name: string; ok: boolean; reason: string }[] };
    };
    expect(out.name).toBe('wasm');
    expect(out.info.attempts[0]).toMatchObject({ name: 'tensorflow', ok: false });
    expect(out.info.attempts[0]!.reason).toMatch(/failed to load: .*NODE_MODULE_VERSION 115/);
    expect(out.info.summary).toMatch(/^wasm .*tensorflow: @tensorflow\/tfjs-node failed to load/);
  });
});
