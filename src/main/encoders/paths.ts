/**
 * Where downloaded and imported encoders live: `$SER_ENCODER_DIR`, else the user's cache folder
 * (`$XDG_CACHE_HOME/ser-studio/encoders`, `~/.cache/ser-studio/encoders` on Linux,
 * `~/Library/Caches/SER Studio/encoders` on macOS, `%LOCALAPPDATA%\SER Studio\encoders` on
 * Windows). The desktop app passes `<userData>/encoders`. Each encoder is one folder in the Hub
 * layout plus `encoder.json`, under `<root>/<id with / as -->/`; downloads in progress sit in
 * `<root>/.partial/` and only a completed, verified folder is renamed into place.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, win32 } from 'node:path';
import type { PathEnv } from '../store/paths.js';

export function defaultEncoderDir(p: PathEnv = {}): string {
  const env = p.env ?? process.env;
  if (env.SER_ENCODER_DIR && env.SER_ENCODER_DIR.length > 0) return env.SER_ENCODER_DIR;
  const platform = p.platform ?? process.platform;
  const home = p.home ?? homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'SER Studio', 'encoders');
  if (platform === 'win32') {
    const local =
      env.LOCALAPPDATA && env.LOCALAPPDATA.length > 0
        ? env.LOCALAPPDATA
        : win32.join(home, 'AppData', 'Local');
    return win32.join(local, 'SER Studio', 'encoders');
  }
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, '.cache'), 'ser-studio', 'encoders');
}

/** The folder name of an encoder id (`local/my-model` -> `local--my-model`). */
export function encoderFolderName(id: string): string {
  return id.replace(/\//g, '--');
}

export function encoderFolder(root: string, id: string): string {
  return join(root, encoderFolderName(id));
}

export function partialFolder(root: string, id: string): string {
  return join(root, '.partial', encoderFolderName(id));
}

/** The manifest written last into a complete encoder folder. */
export const MANIFEST = 'encoder.json';

/** Where the Hub serves files; `SER_HUB_URL` points elsewhere (a mirror, the tests' loopback server). */
export function hubUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.SER_HUB_URL && env.SER_HUB_URL.length > 0 ? env.SER_HUB_URL : 'https://huggingface.co').replace(
    /\/$/,
    '',
  );
}
