// Type declarations for 'electron' come inside the electron package, which is an optional
// dependency that is absent where its binary download failed. So that the Electron-facing code
// is still type-checked on such machines, fetch the same version's tarball from the npm registry
// (declarations only, no binary) into .cache/. tsconfig.json `paths` prefers the installed package.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const installed = 'node_modules/electron/electron.d.ts';
const cached = '.cache/electron-types/package/electron.d.ts';
if (existsSync(installed) || existsSync(cached)) process.exit(0);

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const spec = `electron@${pkg.optionalDependencies.electron}`;
const dir = '.cache/electron-types';
mkdirSync(dir, { recursive: true });
try {
  const out = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', dir], {
    encoding: 'utf8',
  });
  const tgz = join(dir, out.trim().split('\n').pop());
  execFileSync('tar', ['-xzf', tgz, '-C', dir, 'package/electron.d.ts']);
  console.log(`electron-types: using declarations from ${spec} (electron itself is not installed)`);
} catch (err) {
  console.error(`electron-types: could not fetch ${spec} declarations: ${err.message}`);
  process.exit(1);
}
