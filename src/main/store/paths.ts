/**
 * Where the database and the trained models live when nobody says otherwise. The Electron app
 * passes app.getPath('userData') instead; the CLI takes `--db FILE`, then SER_DB, then these.
 */
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, win32 } from 'node:path';

export const DB_FILE_NAME = 'ser.sqlite';

export interface PathEnv {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
}

/** The folder that holds ser.sqlite (and models/) for this user and platform. */
export function defaultDataDir(p: PathEnv = {}): string {
  const env = p.env ?? process.env;
  const platform = p.platform ?? process.platform;
  const home = p.home ?? homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'SER Studio');
  if (platform === 'win32') {
    const appData =
      env.APPDATA && env.APPDATA.length > 0 ? env.APPDATA : win32.join(home, 'AppData', 'Roaming');
    return win32.join(appData, 'SER Studio');
  }
  // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(home, '.local', 'share');
  return join(base, 'ser-studio');
}

/** `--db` wins, then SER_DB, then the platform default. */
export function defaultDbPath(p: PathEnv = {}): string {
  const env = p.env ?? process.env;
  if (env.SER_DB && env.SER_DB.length > 0) return env.SER_DB;
  const dir = defaultDataDir(p);
  return (p.platform ?? process.platform) === 'win32'
    ? win32.join(dir, DB_FILE_NAME)
    : join(dir, DB_FILE_NAME);
}

/** Trained model folders go in `models/` beside the database. */
export function defaultModelsDir(dbPath: string = defaultDbPath()): string {
  return join(dirname(dbPath), 'models');
}
