/** The service as its adapters (IPC, web host, tests) see it. */
import type { EventName, MethodName, ResultOf } from '../../shared/contract.js';
import type { RunStore } from '../store/index.js';
import type { Listener } from './events.js';

export interface ServiceOptions {
  /** SQLite file of the run store. */
  dbPath: string;
  /** Trained models go to `<modelsDir>/<runId>/`. */
  modelsDir: string;
  /** Settings JSON (beside the database); null: in memory only (the `ser` CLI). */
  settingsPath: string | null;
  /**
   * Folders the user chose; more can be granted later (Electron's folder dialog). 'any': every
   * path, for the `ser` CLI only (its caller is the user at a shell, with the user's permissions).
   */
  allowedRoots: string[] | 'any';
  /** Open the run store read-only (`ser infer`: looking up a run's model writes nothing). */
  readonlyStore?: boolean;
  /**
   * Called once when the store is opened, which happens on the first call that needs it (so
   * `ser scan` or classifying with the bundled model never creates a database).
   */
  onStoreOpen?: (store: RunStore) => void;
  platform: 'electron' | 'web' | 'cli';
  /** The bundled model folder; default resources/models/default. */
  defaultModelDir?: string;
  /** Feature cache folder; default `feature-cache/` beside the database; null disables it. */
  cacheDir?: string | null;
  /** Electron's folder dialog; absent in the web host (pickFolder returns null). */
  pickFolder?: () => Promise<string | null>;
  /** The app version reported by app.info (default: package.json's). */
  version?: string;
}

export interface Service {
  /** Validate `args` against the contract, then run the method. Errors are SerErrors. */
  call<M extends MethodName>(method: M, args: unknown): Promise<ResultOf<M>>;
  on<E extends EventName>(event: E, cb: Listener<E>): () => void;
  /** Grant a folder (the Electron dialog's choice); persisted in the settings file. */
  allowRoot(dir: string): Promise<string>;
  /** Cancel running jobs, wait for them to settle, close the store. */
  close(): Promise<void>;
}
