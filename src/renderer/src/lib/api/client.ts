/**
 * The renderer's one way to reach the engine: `api.call(method, args)` and `api.on(event, cb)`,
 * typed from src/shared/contract.ts. In Electron it goes through the preload bridge
 * (window.serStudio); in a browser, through the web host (HTTP POST + a WebSocket for events),
 * with the token taken from the page URL and kept in sessionStorage so a reload still works.
 * Errors are thrown as SerError, so `${err}` reads `DecodeError: not a WAV/MP3/FLAC/OGG file: x`.
 */
import { EVENTS_PATH, methodPath } from '../../../../shared/channels.js';
import type {
  ArgsOf,
  ArgsTuple,
  EventMap,
  EventName,
  MethodName,
  ResultOf,
} from '../../../../shared/contract.js';
import {
  decodeWire,
  encodeWire,
  type CallOutcome,
  type ErrorBody,
  type EventEnvelope,
  type SerStudioBridge,
} from '../../../../shared/wire.js';
import { SerError, fromErrorData, isSerErrorCode } from '../../../../shared/errors.js';

export type { ArgsOf, ResultOf, MethodName, EventName, EventMap };

export interface ApiClient {
  /** 'electron' when the preload bridge is present, else 'web'. */
  readonly transport: 'electron' | 'web';
  call<M extends MethodName>(method: M, ...args: ArgsTuple<M>): Promise<ResultOf<M>>;
  on<E extends EventName>(event: E, cb: (data: EventMap[E]) => void): () => void;
}

declare global {
  interface Window {
    serStudio?: SerStudioBridge;
  }
}

function unwrap<R>(outcome: CallOutcome<R>): R {
  if (outcome.ok) return outcome.result;
  throw fromErrorData(outcome.error);
}

export function bridgeClient(bridge: SerStudioBridge): ApiClient {
  return {
    transport: 'electron',
    async call(method, ...args) {
      return unwrap(await bridge.invoke(method, args[0]));
    },
    on: (event, cb) => bridge.on(event, cb),
  };
}

const TOKEN_KEY = 'ser-studio-token';

/** The token from `?token=` (then removed from the address bar), else the one this tab kept. */
export function takeToken(loc: Location = location, storage: Storage = sessionStorage): string | null {
  const params = new URLSearchParams(loc.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    storage.setItem(TOKEN_KEY, fromUrl);
    params.delete('token');
    const rest = params.toString();
    // Keep the token out of screenshots, history and bookmarks.
    history.replaceState(history.state, '', `${loc.pathname}${rest ? `?${rest}` : ''}${loc.hash}`);
    return fromUrl;
  }
  return storage.getItem(TOKEN_KEY);
}

export interface HttpClientOptions {
  /** Origin of the web host, default the page's. */
  origin?: string;
  token: string | null;
  fetch?: typeof fetch;
  WebSocket?: typeof WebSocket;
}

export function httpClient(opts: HttpClientOptions): ApiClient {
  const origin = opts.origin ?? location.origin;
  const doFetch = opts.fetch ?? fetch.bind(globalThis);
  const WS = opts.WebSocket ?? WebSocket;
  const listeners = new Map<EventName, Set<(data: never) => void>>();
  let socket: WebSocket | null = null;
  let retry = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  function noToken(): SerError {
    return new SerError(
      'ValidationError',
      'no access token: open the URL that `ser serve` printed (it ends in ?token=...)',
    );
  }

  async function call<M extends MethodName>(method: M, ...args: ArgsTuple<M>): Promise<ResultOf<M>> {
    if (!opts.token) throw noToken();
    let res: Response;
    try {
      res = await doFetch(new URL(methodPath(method), origin), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${opts.token}` },
        body: args[0] === undefined ? '' : encodeWire(args[0]),
      });
    } catch (err) {
      throw new SerError(
        'InternalError',
        `cannot reach the SER Studio server (${(err as Error).message}); is it running?`,
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let body: Partial<ErrorBody> = {};
      try {
        body = JSON.parse(text) as ErrorBody;
      } catch {
        // not our JSON (a proxy's page): fall through to the status line
      }
      const e = body.error;
      if (e && typeof e.message === 'string' && isSerErrorCode(e.code)) throw fromErrorData(e);
      throw new SerError('InternalError', `${method}: HTTP ${res.status} ${res.statusText}`);
    }
    return decodeWire(text) as ResultOf<M>;
  }

  function connect(): void {
    if (socket || !opts.token || listeners.size === 0) return;
    const url = new URL(EVENTS_PATH, origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', opts.token);
    const ws = new WS(url.href);
    socket = ws;
    ws.onopen = () => {
      retry = 0;
    };
    ws.onmessage = (msg: MessageEvent) => {
      if (typeof msg.data !== 'string') return;
      const env = decodeWire(msg.data) as EventEnvelope;
      for (const cb of listeners.get(env.event) ?? []) (cb as (d: unknown) => void)(env.data);
    };
    ws.onclose = () => {
      // A socket closed on purpose (last listener gone) may close after a new one has opened:
      // it must not clear or reconnect that one, or every event would arrive twice.
      if (socket !== ws) return;
      socket = null;
      if (listeners.size === 0) return;
      // The server restarted or the laptop slept: reconnect, backing off to 10 s.
      const delay = Math.min(10_000, 250 * 2 ** retry++);
      retryTimer = setTimeout(() => {
        retryTimer = null;
        connect();
      }, delay);
    };
  }

  function on<E extends EventName>(event: E, cb: (data: EventMap[E]) => void): () => void {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(cb as (data: never) => void);
    connect();
    return () => {
      set.delete(cb as (data: never) => void);
      if (set.size === 0) listeners.delete(event);
      if (listeners.size === 0) {
        if (retryTimer) clearTimeout(retryTimer);
        retryTimer = null;
        const closing = socket;
        socket = null;
        closing?.close();
      }
    };
  }

  return { transport: 'web', call, on };
}

function createClient(): ApiClient {
  if (typeof window !== 'undefined' && window.serStudio) return bridgeClient(window.serStudio);
  return httpClient({ token: takeToken() });
}

let instance: ApiClient | null = null;
const client = (): ApiClient => (instance ??= createClient());

/** The app's client, chosen on first use (so importing this module has no side effects). */
export const api: ApiClient = {
  get transport() {
    return client().transport;
  },
  call: ((method, ...args) => client().call(method, ...args)) as ApiClient['call'],
  on: (event, cb) => client().on(event, cb),
};
