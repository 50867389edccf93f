/**
 * The contract over Electron IPC: one ipcMain.handle per method, on the channel the contract
 * derives from its name, and every event forwarded to the app's windows. Arguments are validated
 * by the service (the contract's zod schemas); results and errors travel as CallOutcome, because
 * Electron strips everything but the message from errors thrown across IPC.
 */
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { eventChannel, methodChannel } from '../shared/channels.js';
import { EVENT_NAMES, METHOD_NAMES, type MethodName, type ResultOf } from '../shared/contract.js';
import type { CallOutcome } from '../shared/wire.js';
import { toErrorData } from '../shared/errors.js';
import type { Service } from './api/types.js';

export interface IpcOptions {
  /** Whether a call comes from our own page (not a navigated-away or injected frame). */
  isTrustedUrl: (url: string) => boolean;
}

export function wireIpc(service: Service, opts: IpcOptions): () => void {
  for (const method of METHOD_NAMES) {
    ipcMain.handle(methodChannel(method), (event, args: unknown) =>
      handle(service, opts, method, event, args),
    );
  }
  const unsubscribe = EVENT_NAMES.map((name) =>
    service.on(name, (data) => {
      for (const win of BrowserWindow.getAllWindows()) {
        if (!win.isDestroyed()) win.webContents.send(eventChannel(name), data);
      }
    }),
  );
  return () => {
    for (const method of METHOD_NAMES) ipcMain.removeHandler(methodChannel(method));
    for (const u of unsubscribe) u();
  };
}

async function handle<M extends MethodName>(
  service: Service,
  opts: IpcOptions,
  method: M,
  event: IpcMainInvokeEvent,
  args: unknown,
): Promise<CallOutcome<ResultOf<M>>> {
  const url = event.senderFrame?.url ?? '';
  if (!opts.isTrustedUrl(url)) {
    return {
      ok: false,
      error: { code: 'ValidationError', message: `${method}: call from an untrusted page refused` },
    };
  }
  try {
    return { ok: true, result: await service.call(method, args) };
  } catch (err) {
    return { ok: false, error: toErrorData(err) };
  }
}
