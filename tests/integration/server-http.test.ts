/**
 * The web host over real HTTP and WebSocket, against a real service with a temporary database:
 * the token guards /api and the event socket, arguments are validated with the field named,
 * paths outside the chosen folders are refused, and oversized bodies get 413.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Presets } from '../../src/shared/contract.js';
import { decodeWire, encodeWire, type EventEnvelope } from '../../src/shared/wire.js';
import { createService } from '../../src/main/api/service.js';
import type { Service } from '../../src/main/api/types.js';
import { startWebHost, type WebHost } from '../../src/main/server/http.js';
import { encodeWav } from '../../src/main/audio/wav-encode.js';
import { openStore } from '../../src/main/store/index.js';

let dir: string;
let allowed: string;
let outside: string;
let service: Service;
let host: WebHost;

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A request to `path` as given (not normalised, so `..` reaches the server), by default to `host`. */
function send(
  path: string,
  opts: {
    body?: string;
    token?: string | null;
    method?: string;
    headers?: Record<string, string>;
    port?: number;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ...opts.headers };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    const target = { host: '127.0.0.1', port: opts.port ?? host.port, path };
    const req = request({ ...target, method: opts.method ?? 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          headers: res.headers,
        }),
      );
    });
    req.on('error', reject);
    req.end(opts.body ?? '');
  });
}

const call = (method: string, args?: unknown, token: string | null = host.token) =>
  send(`/api/${method}`, { body: args === undefined ? '' : encodeWire(args), token });

function upgrade(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}${path}`, { headers });
    ws.on('open', () => resolve({ status: 101, ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.on('error', () => undefined);
  });
}

function tone(seconds: number, rate = 16000): Float32Array {
  const x = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < x.length; i++) x[i] = 0.3 * Math.sin((2 * Math.PI * 220 * i) / rate);
  return x;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ser-server-'));
  allowed = join(dir, 'allowed');
  outside = join(dir, 'outside');
  mkdirSync(allowed);
  mkdirSync(outside);
  writeFileSync(join(allowed, 'tone.wav'), encodeWav(tone(0.5), 16000));
  writeFileSync(join(outside, 'secret.wav'), encodeWav(tone(0.5), 16000));
  symlinkSync(outside, join(allowed, 'escape'));
  service = await createService({
    dbPath: join(dir, 'data', 'ser.sqlite'),
    modelsDir: join(dir, 'data', 'models'),
    settingsPath: join(dir, 'data', 'settings.json'),
    cacheDir: null,
    allowedRoots: [allowed],
    platform: 'web',
  });
  host = await startWebHost({ service, webDir: join(dir, 'no-web-build') });
});

afterAll(async () => {
  await host?.close();
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('web host: token', () => {
  it('prints a URL on 127.0.0.1 with a long random token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
  });

  it('refuses /api without the token or with a wrong one (401), accepts the right one', async () => {
    expect((await call('app.info', undefined, null)).status).toBe(401);
    expect((await call('app.info', undefined, 'x'.repeat(32))).status).toBe(401);
    expect((await call('app.info', undefined, host.token.slice(0, -1))).status).toBe(401);
    const ok = await call('app.info');
    expect(ok.status).toBe(200);
    const info = decodeWire(ok.body) as {
      platform: string;
      backend: string;
      backendDetail: string;
      allowedRoots: string[];
    };
    expect(info.platform).toBe('web');
    expect(['tensorflow', 'wasm', 'cpu']).toContain(info.backend);
    expect(info.backendDetail).toContain(info.backend);
    expect(info.allowedRoots).toEqual([allowed]);
  });

  it('refuses the event socket without the token or with a wrong one (401), opens with it', async () => {
    expect((await upgrade('/api/events')).status).toBe(401);
    expect((await upgrade('/api/events?token=wrong')).status).toBe(401);
    const ok = await upgrade(`/api/events?token=${host.token}`);
    expect(ok.status).toBe(101);
    ok.ws?.close();
  });

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    const r = await send('/api/app.info', { token: host.token, headers: { Host: 'evil.example:80' } });
    expect(r.status).toBe(421);
    expect((await upgrade(`/api/events?token=${host.token}`, { Host: 'evil.example' })).status).toBe(421);
  });

  it('serves static files without a token, and says how to build them when missing', async () => {
    const r = await send('/', { method: 'GET' });
    expect(r.status).toBe(503);
    expect(r.body).toContain('npm run build:web');
  });

  it('serves the built UI with its own CSP as a header, and nothing outside its folder', async () => {
    const web = join(dir, 'web');
    mkdirSync(join(web, 'assets'), { recursive: true });
    const meta = "default-src 'self'; script-src 'self'; worker-src blob:";
    writeFileSync(
      join(web, 'index.html'),
      `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="${meta}" /></head></html>`,
    );
    writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(dir, 'private.txt'), 'secret');
    const h = await startWebHost({ service, webDir: web });
    const get = (path: string) => send(path, { method: 'GET', port: h.port });
    try {
      const page = await get('/');
      expect(page.status).toBe(200);
      expect(page.headers['content-security-policy']).toBe(
        `${meta}; object-src 'none'; base-uri 'self'; frame-ancestors 'none'`,
      );
      const js = await get('/assets/app.js');
      expect(js.status).toBe(200);
      expect(js.headers['content-type']).toContain('text/javascript');
      expect((await get('/runs')).body).toContain('<!doctype html>');
      for (const path of ['/../private.txt', '/%2e%2e/private.txt', '/assets/..%2f..%2fprivate.txt']) {
        const r = await get(path);
        expect(r.body, path).not.toContain('secret');
      }
    } finally {
      await h.close();
    }
  });

  it('refuses to bind anywhere but loopback', async () => {
    await expect(startWebHost({ service, webDir: dir, host: '0.0.0.0' })).rejects.toThrow(/SSH tunnel/);
  });
});

describe('web host: cross-site requests and slow or many clients', () => {
  const own = () => `http://127.0.0.1:${host.port}`;

  it('refuses a POST from another origin even with the token (403), accepts its own origin', async () => {
    const evil = await send('/api/app.info', {
      token: host.token,
      headers: { Origin: 'https://evil.example' },
    });
    expect(evil.status).toBe(403);
    const nul = await send('/api/app.info', { token: host.token, headers: { Origin: 'null' } });
    expect(nul.status).toBe(403);
    const self = await send('/api/app.info', { token: host.token, headers: { Origin: own() } });
    expect(self.status).toBe(200);
  });

  it('refuses the event socket from another origin (403) even with the token', async () => {
    const evil = await upgrade(`/api/events?token=${host.token}`, { Origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    const ok = await upgrade(`/api/events?token=${host.token}`, { Origin: own() });
    expect(ok.status).toBe(101);
    ok.ws?.close();
  });

  it('takes the token on a POST only from the Authorization header, not the URL (a form can set a URL)', async () => {
    const r = await send(`/api/app.info?token=${host.token}`, {
      headers: { 'Content-Type': 'application/json' },
    });
    expect(r.status).toBe(401);
  });

  it('requires a JSON content type: the simple types a cross-site form can send are refused (415)', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const r = await send('/api/app.info', { token: host.token, headers: { 'Content-Type': type } });
      expect(r.status, type).toBe(415);
    }
  });

  it('drops a request whose body trickles past the request timeout', async () => {
    // A short timeout for the test; the host's own is REQUEST_TIMEOUT_MS.
    const h = await startWebHost({ service, webDir: dir, requestTimeoutMs: 1500 });
    try {
      const status = await new Promise<number | string>((resolve) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: h.port,
            path: '/api/app.info',
            method: 'POST',
            headers: {
              'Content-Type': 'application/json',
              Authorization: `Bearer ${h.token}`,
              'Content-Length': '1000',
            },
          },
          (res) => resolve(res.statusCode ?? 0),
        );
        req.on('error', (e) => resolve(String(e.message)));
        req.write('{');
        const drip = setInterval(() => req.write(' '), 200);
        req.on('close', () => clearInterval(drip));
        setTimeout(() => {
          clearInterval(drip);
          req.destroy();
          resolve('still open after 8 s');
        }, 8000);
      });
      expect(status).toBe(408);
    } finally {
      await h.close();
    }
  });

  it('reads at most two uploads at once; a third gets 429 at once instead of more memory', async () => {
    const open: ReturnType<typeof request>[] = [];
    const start = (): Promise<number> =>
      new Promise((resolve) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: host.port,
            path: '/api/classify',
            method: 'POST',
            headers: {
              'Content-Type': 'application/json',
              Authorization: `Bearer ${host.token}`,
              'Content-Length': String(50 * 1024 * 1024),
            },
          },
          (res) => resolve(res.statusCode ?? 0),
        );
        req.on('error', () => resolve(-1));
        req.write('{"x":"');
        open.push(req);
      });
    void start();
    void start();
    await new Promise((r) => setTimeout(r, 300));
    expect(await start()).toBe(429);
    for (const r of open) r.destroy();
  });
});

describe('web host: validation and errors', () => {
  it('names the field of an invalid argument (400)', async () => {
    const r = await call('dataset.scan', { root: 5 });
    expect(r.status).toBe(400);
    const { error } = JSON.parse(r.body) as { error: { code: string; message: string } };
    expect(error.code).toBe('ValidationError');
    expect(error.message).toMatch(/^dataset\.scan: root: /);
  });

  it('names nested fields and unknown keys', async () => {
    const r = await call('runs.update', { id: 'abc', tags: ['ok', ''] });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.message).toContain('tags.1');
    const u = await call('runs.get', { id: 'abc', extra: 1 });
    expect(u.status).toBe(400);
    expect(JSON.parse(u.body).error.message).toContain('extra');
  });

  it('answers 404 for an unknown method, 405 for GET, 400 for a body that is not JSON', async () => {
    expect((await call('nope.nothing', {})).status).toBe(404);
    // A malformed escape is no method either, not a server error.
    expect((await send('/api/%E0%A4%A', { token: host.token })).status).toBe(404);
    expect((await send('/api/app.info', { method: 'GET', token: host.token })).status).toBe(405);
    const r = await send('/api/runs.get', { body: '{not json', token: host.token });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.message).toContain('not JSON');
  });

  it('reads a file inside an allowed folder, bytes intact through the codec', async () => {
    const r = await call('audio.read', { path: join(allowed, 'tone.wav') });
    expect(r.status).toBe(200);
    const file = decodeWire(r.body) as { name: string; bytes: Uint8Array };
    expect(file.name).toBe('tone.wav');
    expect(file.bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(file.bytes).equals(Buffer.from(encodeWav(tone(0.5), 16000)))).toBe(true);
  });

  it('refuses paths outside the chosen folders: plain, via .., via a symlink', async () => {
    for (const path of [
      join(outside, 'secret.wav'),
      join(allowed, '..', 'outside', 'secret.wav'),
      join(allowed, 'escape', 'secret.wav'),
      '/etc/passwd',
    ]) {
      const r = await call('audio.read', { path });
      expect(r.status, path).toBe(400);
      expect(JSON.parse(r.body).error.message, path).toContain('path outside the folders you chose');
    }
    const scan = await call('dataset.scan', { root: outside });
    expect(scan.status).toBe(400);
    const rel = await call('audio.read', { path: 'allowed/tone.wav' });
    expect(JSON.parse(rel.body).error.message).toContain('absolute');
  });

  it('gives 404 for a missing file inside an allowed folder', async () => {
    const r = await call('audio.read', { path: join(allowed, 'missing.wav') });
    expect(r.status).toBe(404);
  });

  it('refuses a body over the limit with 413 and a message', async () => {
    const small = await startWebHost({ service, webDir: dir, maxBodyBytes: 4096 });
    try {
      const big = encodeWire({ files: [{ name: 'a.wav', bytes: new Uint8Array(8192) }] });
      const r = await send('/api/classify', { body: big, token: small.token, port: small.port });
      expect(r.status).toBe(413);
      expect(JSON.parse(r.body).error.code).toBe('FileTooLarge');
    } finally {
      await small.close();
    }
  });
});

describe('web host: settings and events', () => {
  it('persists settings; a dataset folder outside the chosen ones is refused', async () => {
    const set = await call('settings.set', {
      window: { width: 1400, height: 900 },
      lastDatasetFolder: allowed,
    });
    expect(set.status).toBe(200);
    const got = decodeWire((await call('settings.get')).body) as {
      window: unknown;
      lastDatasetFolder: string;
    };
    expect(got.window).toEqual({ width: 1400, height: 900 });
    expect(got.lastDatasetFolder).toBe(allowed);
    expect((await call('settings.set', { lastDatasetFolder: outside })).status).toBe(400);
    expect((await call('settings.set', { window: { width: 'wide', height: 900 } })).status).toBe(400);
  });

  it('dialog.pickFolder returns null in the web host (the UI asks for a path instead)', async () => {
    const r = await call('dialog.pickFolder');
    expect(r.status).toBe(200);
    expect(decodeWire(r.body)).toBeNull();
  });

  it('pushes events to an authorised socket, not to others', async () => {
    // A finished run made through the store directly, then renamed through the API.
    const defaults = (decodeWire((await call('presets.get')).body) as Presets).defaults;
    const store = openStore(join(dir, 'data', 'ser.sqlite'));
    const id = store.createRun({
      name: 'seeded',
      config: defaults,
      backend: 'cpu',
      dataset: { root: allowed, hash: 'x', countsByLabel: {}, countsBySpeaker: {} },
    });
    store.finishRun(id, { status: 'cancelled' });
    store.close();

    const { ws } = await upgrade(`/api/events?token=${host.token}`);
    const got = new Promise<EventEnvelope>((resolve) =>
      ws!.once('message', (m) => resolve(decodeWire(String(m)) as EventEnvelope)),
    );
    const r = await call('runs.update', { id, name: 'renamed', tags: ['a'] });
    expect(r.status).toBe(200);
    expect((decodeWire(r.body) as { name: string }).name).toBe('renamed');
    expect(await got).toEqual({ event: 'runs.changed', data: { reason: 'updated', id } });
    ws!.close();
  });
});
