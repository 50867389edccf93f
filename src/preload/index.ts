/**
 * Preload: exposes the API contract to the renderer as `window.serStudio`, nothing more.
 * Only the contract's channels are reachable (the channel is derived from the method name);
 * arguments are validated in main, not here.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { eventChannel, methodChannel } from '../shared/channels.js';
import type { SerStudioBridge } from '../shared/wire.js';

const bridge: SerStudioBridge = {
  invoke: (method, args) => ipcRenderer.invoke(methodChannel(method), args),
  on(event, cb) {
    const channel = eventChannel(event);
    // Never hand the renderer the IpcRendererEvent (it carries `sender`, i.e. ipcRenderer itself).
    const listener = (_e: IpcRendererEvent, data: unknown) => cb(data as Parameters<typeof cb>[0]);
    ipcRenderer.on(channel, listener);
    return () => {
      ipcRenderer.removeListener(channel, listener);
    };
  },
};

contextBridge.exposeInMainWorld('serStudio', bridge);
