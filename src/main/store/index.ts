/** The experiment store: open a database file and work with runs. */
export { RunStore, openStore, type OpenStoreOptions, type StoreInfo } from './run-store.js';
export { defaultDataDir, defaultDbPath, defaultModelsDir, DB_FILE_NAME } from './paths.js';
export { artifactSha256 } from './artifacts.js';
export { SCHEMA_VERSION, MIGRATIONS } from './schema.js';
export { DEFAULT_STALE_AFTER_MS } from './liveness.js';
