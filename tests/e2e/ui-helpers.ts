/**
 * Helpers shared by the UI tests: screenshots at the two window sizes with an overflow check,
 * dropping real files on the page, and a small RAVDESS subset as a folder of symlinks.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect } from 'vitest';
import type { App } from './harness.js';
import type { TrainEventMessage } from '../../src/shared/contract.js';
import type { TrainConfig } from '../../src/shared/training.js';
import { linkRavdessSubset } from '../helpers/shared-data.js';

export const SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
] as const;

export interface Overflow {
  scrollWidth: number;
  innerWidth: number;
  /** Elements sticking out of the viewport on the right, not clipped by a scrolling ancestor. */
  offenders: string[];
}

/** How far the page and its elements stick out horizontally. */
export async function measureOverflow(app: App): Promise<Overflow> {
  return app.page.evaluate(() => {
    const vw = window.innerWidth;
    const offenders: string[] = [];
    const clipped = (el: Element): boolean => {
      for (let p = el.parentElement; p; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') {
          if (p.getBoundingClientRect().right <= vw + 1) return true;
        }
      }
      return false;
    };
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.right > vw + 1 && !clipped(el)) {
        const cls = typeof el.className === 'string' && el.className ? `.${el.className.split(' ')[0]}` : '';
        offenders.push(`${el.tagName.toLowerCase()}${cls} right=${Math.round(r.right)}`);
      }
    }
    return {
      scrollWidth: document.scrollingElement?.scrollWidth ?? 0,
      innerWidth: vw,
      offenders: offenders.slice(0, 10),
    };
  });
}

/**
 * Screenshot the current screen at 1280x800 and 1920x1080 (test-results/screenshots/NAME-WxH.png)
 * and fail if anything overflows the window horizontally at either size.
 */
export async function shootBothSizes(app: App, name: string): Promise<void> {
  for (const size of SIZES) {
    await app.page.setViewportSize(size);
    // Let charts re-measure their width (ResizeObserver) and wavesurfer redraw.
    await app.page.waitForTimeout(350);
    await app.screenshot(`${name}-${size.width}x${size.height}`);
    const o = await measureOverflow(app);
    expect(
      o.scrollWidth,
      `${name} at ${size.width}x${size.height}: page wider than the window`,
    ).toBeLessThanOrEqual(o.innerWidth);
    expect(o.offenders, `${name} at ${size.width}x${size.height}: elements past the right edge`).toEqual([]);
  }
  await app.page.setViewportSize(SIZES[0]);
}

/** Drop files on the Classify drop zone with a real DragEvent carrying a DataTransfer. */
export async function dropFiles(app: App, files: { name: string; bytes: Uint8Array }[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, b64: Buffer.from(f.bytes).toString('base64') }));
  await app.page.evaluate((items) => {
    const dt = new DataTransfer();
    for (const it of items) {
      const bin = atob(it.b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], it.name, { type: 'audio/wav' }));
    }
    const zone = document.querySelector('[aria-label="Drop zone for audio files"]');
    if (!zone) throw new Error('drop zone not found');
    zone.dispatchEvent(new DragEvent('dragenter', { bubbles: true, cancelable: true, dataTransfer: dt }));
    zone.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt }));
    zone.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
  }, payload);
}

export function fileFrom(path: string): { name: string; bytes: Uint8Array } {
  return { name: basename(path), bytes: new Uint8Array(readFileSync(path)) };
}

/**
 * A RAVDESS-layout folder of symlinks to the shared clips: for each actor, the first `perActor`
 * clips (in name order) of each emotion code. Nothing is copied.
 */
export function ravdessSubset(opts: { actors: number[]; emotions: string[]; perActor: number }): string {
  const root = mkdtempSync(join(tmpdir(), 'ser-e2e-subset-'));
  return linkRavdessSubset(root, opts.actors, opts.emotions, opts.perActor);
}

/** Train a run through the service (not the UI) and wait for it to finish; returns the run id. */
export async function trainViaService(
  app: App,
  root: string,
  name: string,
  patch: (c: TrainConfig) => void,
): Promise<string> {
  const presets = await app.service.call('presets.get', undefined);
  const fast = presets.model.find((p) => p.id === 'fast') ?? presets.model[0];
  if (!fast) throw new Error('no model presets');
  const config = structuredClone(fast.config);
  patch(config);
  let resolveDone: (id: string) => void = () => undefined;
  let rejectDone: (e: Error) => void = () => undefined;
  const done = new Promise<string>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  let jobId: string | null = null;
  const early: TrainEventMessage[] = [];
  const settle = (m: TrainEventMessage): void => {
    if (m.event.type === 'done') resolveDone(m.event.runId);
    else if (m.event.type === 'error') rejectDone(new Error(`${name}: ${m.event.code}: ${m.event.message}`));
    else if (m.event.type === 'cancelled') rejectDone(new Error(`${name}: cancelled`));
  };
  const off = app.service.on('train.event', (m) => {
    if (jobId === null) early.push(m);
    else if (m.jobId === jobId) settle(m);
  });
  try {
    ({ jobId } = await app.service.call('train.start', { root, config, name }));
    for (const m of early) if (m.jobId === jobId) settle(m);
    return await done;
  } finally {
    off();
  }
}
