// `npm start` / `npm run dev` need the Electron binary. Electron downloads it from GitHub at install
// time; where that was not possible the package is absent, and we say what to do instead.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  const bin = require('electron');
  if (typeof bin !== 'string' || bin.length === 0) throw new Error('no binary path');
} catch {
  console.error(
    [
      'SER Studio: the Electron binary is not installed, so the desktop window cannot open.',
      '  electron is an optional dependency: its install step downloads the binary from GitHub,',
      '  which failed or was skipped on this machine.',
      '  Fix: on a machine with internet access run `npm install electron`.',
      '  Meanwhile the same UI runs in a browser: `npm run serve` (or `npx ser serve`) and open the printed URL.',
    ].join('\n'),
  );
  process.exit(1);
}
