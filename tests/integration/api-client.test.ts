/**
 * The renderer's HTTP client against the real web host and service: calls carry the token and
 * errors come back as SerErrors; the event socket survives listeners coming and going, so each
 * event arrives once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { httpClient, type ApiClient } from '../../src/renderer/src/lib/api/client.js';
import type { RunsChangedMessage } from '../../src/shared/contract.js';
import { SerError } from '../../src/shared/errors.js';
import { createService } from '../../src/main/api/service.js';
import type { Service } from '../../src/main/api/types.js';
import { startWebHost, type WebHost } from '../../src/main/server/http.js';
import { openStore } from '../../src/main/store/index.js';

let dir: string;
let service: Service;
let host: WebHost;
let client: ApiClient;
/** Sockets the client opened, to see how many are open. */
const opened: WebSocket[] = [];

/** The `ws` package's client, recorded as it is created (Node 20 has no global WebSocket). */
class RecordingWebSocket extends WebSocket {
  constructor(url: string) {
    super(url);
    opened.push(this);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const openSockets = () => opened.filter((ws) => ws.readyState === WebSocket.OPEN).length;

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ser-client-'));
  const dbPath = join(dir, 'ser.sqlite');
  service = await createService({
    dbPath,
    modelsDir: join(dir, 'models'),
    settingsPath: join(dir, 'settings.json'),
    cacheDir: null,
    allowedRoots: [],
    platform: 'web',
  });
  host = await startWebHost({ service, webDir: join(dir, 'no-web-build') });
  client = httpClient({
    origin: `http://127.0.0.1:${host.port}`,
    token: host.token,
    WebSocket: RecordingWebSocket as unknown as typeof globalThis.WebSocket,
  });
});

afterAll(async () => {
  for (const ws of opened) ws.terminate();
  await host?.close();
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('renderer api client over the web host', () => {
  it('calls with the token and throws SerErrors naming the field', async () => {
    expect((await client.call('settings.get')).modelRunId).toBeNull();
    const err = await client.call('runs.get', { id: '' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SerError);
    expect(String(err)).toBe('ValidationError: runs.get: id: run id is empty');
  });

  it('delivers each event once after the last listener leaves and a new one comes at once', async () => {
    const { defaults } = await client.call('presets.get');
    const store = openStore(join(dir, 'ser.sqlite'));
    const id = store.createRun({
      name: 'seeded',
      config: defaults,
      backend: 'cpu',
      dataset: { root: dir, hash: 'x', countsByLabel: {}, countsBySpeaker: {} },
    });
    store.finishRun(id, { status: 'cancelled' });
    store.close();

    const off = client.on('runs.changed', () => undefined);
    await until('the first socket', () => openSockets() === 1);
    // The view that listened goes away and another subscribes in the same tick (a remount):
    // the first socket is still closing when the second opens.
    off();
    const got: RunsChangedMessage[] = [];
    const off2 = client.on('runs.changed', (m) => got.push(m));
    await until('the first socket to close', () => opened[0]!.readyState === WebSocket.CLOSED);
    // Longer than the client's first reconnect delay (250 ms), so a stray reconnect would show.
    await sleep(600);
    expect(openSockets()).toBe(1);

    await client.call('runs.update', { id, name: 'renamed' });
    await until('the event', () => got.length > 0);
    await sleep(200);
    expect(got).toEqual([{ reason: 'updated', id }]);
    off2();
  });
});
