/** Preload: exposes the API contract to the renderer through contextBridge, nothing more. */
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('serStudio', { version: '0.1.0' });
