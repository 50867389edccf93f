/**
 * How a `ser` command reaches the engine: through the same service the app and the web host run
 * (src/main/api/service.ts), in this process, so each operation exists once. The CLI's service
 * reads any path the user names (its caller is the user at a shell), keeps no settings file, and
 * opens the run database only when a call needs it (so `ser scan` or `ser infer` with the bundled
 * model never creates one).
 */
import { dirname, join, resolve } from 'node:path';
import type { ArgsTuple, MethodName, ResultOf } from '../../shared/contract.js';
import { createService, type Service, type ServiceOptions } from '../api/service.js';
import { defaultDbPath } from '../store/paths.js';
import type { RunStore } from '../store/index.js';

export interface CliServiceOptions {
  /** `--db FILE` (else $SER_DB, else the platform default). */
  db?: string | undefined;
  readonlyStore?: boolean;
  onStoreOpen?: (store: RunStore) => void;
}

/** A typed `call` over the service, as the renderer's client has. */
export interface CliService {
  call<M extends MethodName>(method: M, ...args: ArgsTuple<M>): Promise<ResultOf<M>>;
  on: Service['on'];
  /** The database file the service opens (resolved). */
  dbPath: string;
}

/** The service for one command, closed when `f` settles. */
export async function withService<T>(opts: CliServiceOptions, f: (s: CliService) => Promise<T>): Promise<T> {
  const dbPath = resolve(opts.db ?? defaultDbPath());
  const serviceOptions: ServiceOptions = {
    dbPath,
    modelsDir: join(dirname(dbPath), 'models'),
    settingsPath: null,
    allowedRoots: 'any',
    platform: 'cli',
    ...(opts.readonlyStore ? { readonlyStore: true } : {}),
    ...(opts.onStoreOpen ? { onStoreOpen: opts.onStoreOpen } : {}),
  };
  const service = await createService(serviceOptions);
  try {
    return await f({
      call: (method, ...args) => service.call(method, args[0]),
      on: (event, cb) => service.on(event, cb),
      dbPath,
    });
  } finally {
    await service.close();
  }
}
