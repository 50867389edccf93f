/**
 * Names derived from the contract's method and event names: Electron IPC channels and web host
 * paths. Kept apart from contract.ts so the sandboxed preload script can use them without
 * bundling zod; contract.ts re-exports them.
 */
import type { EventName, MethodName } from './contract.js';

/** The IPC channel of a method (Electron). */
export const methodChannel = (m: MethodName): string => `ser:call:${m}`;
/** The IPC channel of an event (Electron). */
export const eventChannel = (e: EventName): string => `ser:event:${e}`;
/** The HTTP path of a method (web host). */
export const methodPath = (m: MethodName): string => `/api/${m}`;
/** The WebSocket path of the event stream (web host). */
export const EVENTS_PATH = '/api/events';
