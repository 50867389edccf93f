/**
 * `ser serve`: the app in a browser. Serves out/web (built by `npm run build:web`) and the API on
 * 127.0.0.1, prints the URL with its token, and runs until Ctrl-C (which cancels training jobs
 * and closes the database cleanly).
 */
import { parseArgs } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { SerError } from '../../shared/errors.js';
import { createService } from '../api/service.js';
import { startWebHost } from '../server/http.js';
import { MISSING_WEB_BUILD, webBuildExists } from '../server/static.js';
import { defaultWebDir } from '../server/web-dir.js';
import { defaultDbPath, defaultModelsDir } from '../store/paths.js';

const HELP = `usage: ser serve [--port P] [--host 127.0.0.1] [--allow DIR ...] [--db FILE] [--models DIR] [--web DIR]

Serves SER Studio's UI and API to a browser on this machine, and prints the URL to open
(http://127.0.0.1:PORT/?token=...). API calls without that token get 401.

  --port P        port to listen on (default: a free port)
  --host H        127.0.0.1 (default) or ::1; other addresses are refused, use an SSH tunnel
  --allow DIR     a folder the UI may read (datasets, audio); repeat for more. Nothing else is readable.
  --db FILE       run database (default: $SER_DB, else ${defaultDbPath()})
  --models DIR    where trained models are saved (default: models/ beside the database)
  --web DIR       the built UI (default: out/web; build it with \`npm run build:web\`)`;

function parsePort(s: string | undefined): number {
  if (s === undefined) return 0;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new SerError('ValidationError', `--port: not a port number: ${s}`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        allow: { type: 'string', multiple: true },
        db: { type: 'string' },
        models: { type: 'string' },
        web: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    console.error(`ser serve: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }

  const port = parsePort(values.port);
  const dbPath = resolve(values.db ?? defaultDbPath());
  const modelsDir = resolve(
    values.models ?? (values.db ? join(dirname(dbPath), 'models') : defaultModelsDir(dbPath)),
  );
  const webDir = resolve(values.web ?? defaultWebDir());
  const allow = (values.allow ?? []).map((d) => resolve(d));

  const service = await createService({
    dbPath,
    modelsDir,
    settingsPath: join(dirname(dbPath), 'settings.json'),
    allowedRoots: allow,
    platform: 'web',
  });
  let host;
  try {
    host = await startWebHost({ service, webDir, port, ...(values.host ? { host: values.host } : {}) });
  } catch (err) {
    await service.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new SerError('ValidationError', `--port ${port}: already in use; choose another or omit --port`);
    }
    throw err;
  }

  if (!webBuildExists(webDir))
    console.error(`ser serve: warning: ${MISSING_WEB_BUILD} (looked in ${webDir})`);
  if (allow.length === 0) {
    console.error(
      'ser serve: no --allow DIR given: the UI can classify uploaded files but cannot open any folder',
    );
  }
  console.log(`SER Studio is running. Open this URL in a browser on this machine:\n\n  ${host.url}\n`);
  console.log(`database: ${dbPath}`);
  if (allow.length > 0) console.log(`folders the UI may read: ${allow.join(', ')}`);
  console.log('Press Ctrl-C to stop.');

  await new Promise<void>((resolveStop) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        console.error(`ser serve: ${signal} again, exiting now`);
        process.exit(130);
      }
      stopping = true;
      console.error(`\nser serve: stopping (cancelling training jobs, closing the database)...`);
      void (async () => {
        try {
          await host.close();
          await service.close();
        } catch (err) {
          // Still stop: a failed close must not leave the process hanging after Ctrl-C.
          console.error(`ser serve: while stopping: ${err instanceof Error ? err.message : String(err)}`);
        } finally {
          resolveStop();
        }
      })();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
