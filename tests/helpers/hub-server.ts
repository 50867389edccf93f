/**
 * A loopback HTTP server with the Hugging Face Hub's file URL layout
 * (`/<owner>/<name>/resolve/<revision>/<path>`), serving one folder as one repository at one
 * revision, with Range requests (206) as the Hub's CDN answers them, an optional throttle (so a
 * test can kill a download midway) and a log of the requests. 127.0.0.1 only.
 */
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface HubServer {
  url: string;
  requests: { path: string; range: string | null }[];
  /** Bytes per 50 ms per response; 0 = unthrottled. */
  throttle: number;
  close(): Promise<void>;
}

export async function startHubServer(repo: string, revision: string, dir: string): Promise<HubServer> {
  const prefix = `/${repo}/resolve/${revision}/`;
  const state: HubServer = { url: '', requests: [], throttle: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(req.url ?? '');
    state.requests.push({ path, range: req.headers.range ?? null });
    if (!path.startsWith(prefix)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
      return;
    }
    let body: Buffer;
    try {
      body = readFileSync(join(dir, path.slice(prefix.length)));
    } catch {
      res.writeHead(404).end('Entry not found');
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m) {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-length': body.length - start,
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
      });
    } else res.writeHead(200, { 'content-length': body.length });
    const rest = body.subarray(start);
    if (!state.throttle) {
      res.end(rest);
      return;
    }
    let o = 0;
    const step = state.throttle;
    const tick = setInterval(() => {
      if (res.destroyed) return clearInterval(tick);
      res.write(rest.subarray(o, o + step));
      o += step;
      if (o >= rest.length) {
        clearInterval(tick);
        res.end();
      }
    }, 50);
    res.on('close', () => clearInterval(tick));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}
