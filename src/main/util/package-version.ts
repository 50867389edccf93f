/** The app's version as package.json gives it (the CLI and the web host; Electron asks app.getVersion()). */
import { readFileSync } from 'node:fs';

let cached: string | null = null;

/** 'unknown' where package.json is not beside the sources (e.g. inside the Electron bundle). */
export function packageVersion(): string {
  if (cached !== null) return cached;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    cached = typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    cached = 'unknown';
  }
  return cached;
}
