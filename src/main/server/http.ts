/**
 * The web host: the built renderer as static files, and the contract over HTTP + WebSocket.
 *   POST /api/<method>   body: the args in the wire codec; 200 with the result, or 4xx/5xx { error }
 *   GET  /api/events     WebSocket; each message is an EventEnvelope
 * /api needs the token (Bearer header, or ?token= for the WebSocket); static files do not.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { EVENTS_PATH } from '../../shared/channels.js';
import { EVENT_NAMES, MAX_UPLOAD_BYTES, isMethodName } from '../../shared/contract.js';
import { decodeWire, encodeWire, type ErrorBody, type EventEnvelope } from '../../shared/wire.js';
import { SerError, toErrorData, type SerErrorCode, type SerErrorData } from '../../shared/errors.js';
import type { Service } from '../api/types.js';
import {
  hostAllowed,
  isJsonRequest,
  isLoopbackHost,
  newToken,
  originAllowed,
  requestToken,
  tokenMatches,
} from './auth.js';
import { serveStatic } from './static.js';

/** Base64 makes bytes 4/3 larger; leave room for the JSON around them. */
export const MAX_BODY_BYTES = Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + 1024 * 1024;
/** Bodies over this size count as uploads; at most MAX_UPLOADS of them are read at once. */
const UPLOAD_BYTES = 1024 * 1024;
/** Each upload holds its body (up to ~270 MB) in memory: two at once bound the host's memory. */
export const MAX_UPLOADS = 2;
/**
 * Timeouts: headers within 10 s, a whole request (body included) within 60 s (200 MB over
 * loopback takes ~1 s; a body that trickles is dropped), idle keep-alive sockets after 5 s.
 */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 60_000;

export interface WebHostOptions {
  service: Service;
  /** Folder of the built renderer (out/web). */
  webDir: string;
  port?: number;
  host?: string;
  /** Fixed token (tests); default: random. */
  token?: string;
  maxBodyBytes?: number;
  /** Whole-request timeout (default REQUEST_TIMEOUT_MS; tests use a short one). */
  requestTimeoutMs?: number;
}

export interface WebHost {
  url: string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

const STATUS: Partial<Record<SerErrorCode, number>> = {
  ValidationError: 400,
  NotFound: 404,
  FileTooLarge: 413,
  Cancelled: 409,
  DecodeError: 422,
  UnsupportedFormat: 422,
  EmptyAudio: 422,
  SilentAudio: 422,
  NoSpeech: 422,
  DatasetError: 422,
  FeatureError: 422,
  ModelError: 422,
  EncoderError: 422,
  TrainingError: 422,
  StoreError: 500,
  InternalError: 500,
};

function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, error: SerErrorData): void {
  const body: ErrorBody = { error };
  sendJson(res, status, JSON.stringify(body));
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) {
    throw new SerError(
      'ValidationError',
      `--host ${host}: the web host binds to this machine only (127.0.0.1 or ::1); from elsewhere use an SSH tunnel`,
    );
  }
  const token = opts.token ?? newToken();
  const limit = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  const { service } = opts;
  let uploads = 0;

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!originAllowed(req)) {
      sendError(res, 403, { code: 'ValidationError', message: 'cross-origin request refused' });
      return;
    }
    if (!tokenMatches(token, requestToken(req, url))) {
      sendError(res, 401, {
        code: 'ValidationError',
        message: 'missing or wrong token: open the URL `ser serve` printed',
      });
      return;
    }
    // Method names need no escaping; a malformed one (`%E0`) is simply not a method.
    const name = url.pathname.slice('/api/'.length);
    if (!isMethodName(name)) {
      sendError(res, 404, { code: 'NotFound', message: `no such API method: ${name}` });
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      sendError(res, 405, { code: 'ValidationError', message: `${name}: use POST` });
      return;
    }
    if (!isJsonRequest(req)) {
      sendError(res, 415, {
        code: 'ValidationError',
        message: `${name}: send Content-Type: application/json`,
      });
      return;
    }
    const upload = !(Number(req.headers['content-length']) <= UPLOAD_BYTES);
    if (upload && uploads >= MAX_UPLOADS) {
      res.setHeader('Connection', 'close');
      res.setHeader('Retry-After', '1');
      sendError(res, 429, {
        code: 'ValidationError',
        message: `${name}: ${MAX_UPLOADS} uploads are already in progress; try again when one finishes`,
      });
      return;
    }
    let text: string;
    if (upload) uploads++;
    try {
      text = await readBody(req, limit);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.setHeader('Connection', 'close');
        sendError(res, 413, {
          code: 'FileTooLarge',
          message: `request larger than ${Math.round(limit / 1024 / 1024)} MB (files up to ${MAX_UPLOAD_BYTES / 1024 / 1024} MB each)`,
        });
      }
      return;
    } finally {
      if (upload) uploads--;
    }
    let args: unknown;
    try {
      args = text.trim() === '' ? undefined : decodeWire(text);
    } catch {
      sendError(res, 400, { code: 'ValidationError', message: `${name}: request body is not JSON` });
      return;
    }
    try {
      const result = await service.call(name, args);
      sendJson(res, 200, encodeWire(result ?? null));
    } catch (err) {
      const data = toErrorData(err);
      if (data.code === 'InternalError') console.error(`ser serve: ${name}: ${data.message}`);
      sendError(res, STATUS[data.code] ?? 500, data);
    }
  }

  const serverOptions = {
    headersTimeout: Math.min(HEADERS_TIMEOUT_MS, opts.requestTimeoutMs ?? HEADERS_TIMEOUT_MS),
    requestTimeout: opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    keepAliveTimeout: 5_000,
    // Node checks the timeouts on this interval (default 30 s, which would let them overrun).
    connectionsCheckingInterval: 1_000,
  };
  const server = createServer(serverOptions, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!hostAllowed(req)) {
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end('wrong Host header\n');
      return;
    }
    const done = url.pathname.startsWith('/api/')
      ? handleApi(req, res, url)
      : serveStatic(opts.webDir, req, res, url);
    done.catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, toErrorData(err));
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!hostAllowed(req)) return refuse('421 Misdirected Request');
    if (!originAllowed(req)) return refuse('403 Forbidden');
    if (url.pathname !== EVENTS_PATH) return refuse('404 Not Found');
    if (!tokenMatches(token, requestToken(req, url, true))) return refuse('401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
    });
  });
  const unsubscribe = EVENT_NAMES.map((event) =>
    service.on(event, (data) => {
      if (sockets.size === 0) return;
      const msg = encodeWire({ event, data } satisfies EventEnvelope);
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(msg);
    }),
  );

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/?token=${token}`;

  return {
    url,
    port,
    token,
    server,
    async close() {
      for (const u of unsubscribe) u();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
