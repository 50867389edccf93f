/**
 * How the contract travels: the envelopes of the two transports (Electron IPC via the preload
 * bridge, HTTP + WebSocket via the web host) and the one JSON codec both use, which carries
 * Uint8Array as `{ "$bytes": base64 }`. The contract (contract.ts) says what may be called; this
 * file says how a call and its result are written on the wire. It imports the contract, never the
 * reverse.
 *
 * Plain data only: no Node, DOM or Electron imports (the renderer bundles this file).
 */
import type { SerErrorData } from './errors.js';
import type { ArgsOf, EventMap, EventName, MethodName, ResultOf } from './contract.js';

/** Wire envelope for a WebSocket event. */
export interface EventEnvelope<E extends EventName = EventName> {
  event: E;
  data: EventMap[E];
}

/** What a call returns across IPC (Electron drops custom fields of thrown errors, so errors are data). */
export type CallOutcome<R> = { ok: true; result: R } | { ok: false; error: SerErrorData };

/** `window.serStudio`, exposed by the preload script in Electron. */
export interface SerStudioBridge {
  invoke<M extends MethodName>(method: M, args?: ArgsOf<M>): Promise<CallOutcome<ResultOf<M>>>;
  on<E extends EventName>(event: E, cb: (data: EventMap[E]) => void): () => void;
}

/** Error body of a failed HTTP call. */
export interface ErrorBody {
  error: SerErrorData;
}

const BYTES_TAG = '$bytes';

/** JSON with Uint8Array as `{ "$bytes": base64 }`: the one codec used by the server and the client. */
export function encodeWire(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    // Read the raw value: Buffer.toJSON would already have turned it into { type, data }.
    const raw = this[key];
    if (raw instanceof Uint8Array) return { [BYTES_TAG]: toBase64(raw) };
    return v;
  });
}

export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const b = o[BYTES_TAG];
      if (typeof b === 'string' && Object.keys(o).length === 1) return fromBase64(b);
    }
    return v;
  });
}

interface NodeBufferLike {
  from(data: string, enc: 'base64'): Uint8Array;
  from(
    data: ArrayBufferLike,
    offset: number,
    length: number,
  ): Uint8Array & { toString(enc: 'base64'): string };
}
const NodeBuffer = (globalThis as { Buffer?: NodeBufferLike }).Buffer;

export function toBase64(bytes: Uint8Array): string {
  if (NodeBuffer) {
    // A view on the same memory, no copy.
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  }
  let s = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    s += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(s);
}

export function fromBase64(b64: string): Uint8Array {
  if (NodeBuffer) {
    const buf = NodeBuffer.from(b64, 'base64');
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
