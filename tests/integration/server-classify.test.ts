/**
 * Classification over the web host, as the browser UI sends it: real RAVDESS bytes in the wire
 * codec, the bundled default model (resources/models/default), one bad file among good ones.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppInfo, ClassifyResult } from '../../src/shared/contract.js';
import { decodeWire, encodeWire } from '../../src/shared/wire.js';
import { createService } from '../../src/main/api/service.js';
import type { Service } from '../../src/main/api/types.js';
import { startWebHost, type WebHost } from '../../src/main/server/http.js';
import { defaultModelDir } from '../../src/main/inference/predict.js';
import { HAVE_RAVDESS, MISSING_DATA, ravdessClip } from '../helpers/shared-data.js';

const MODEL_DIR = defaultModelDir();
const HAVE_MODEL = existsSync(resolve(MODEL_DIR, 'meta.json'));
const NO_MODEL = `(skipped: the bundled model ${MODEL_DIR} is not there yet; it is trained by scripts/train-default-model.ts)`;

let dir: string;
let service: Service;
let host: WebHost;

async function call<T>(method: string, args?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`http://127.0.0.1:${host.port}/api/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
    body: args === undefined ? '' : encodeWire(args),
  });
  return { status: res.status, body: decodeWire(await res.text()) as T };
}

const file = (actor: number, name: string) => ({
  name,
  bytes: new Uint8Array(readFileSync(ravdessClip(actor, name))),
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ser-classify-'));
  service = await createService({
    dbPath: join(dir, 'ser.sqlite'),
    modelsDir: join(dir, 'models'),
    settingsPath: join(dir, 'settings.json'),
    cacheDir: null,
    allowedRoots: [],
    platform: 'web',
    defaultModelDir: MODEL_DIR,
  });
  host = await startWebHost({ service, webDir: join(dir, 'web') });
});

afterAll(async () => {
  await host?.close();
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!HAVE_RAVDESS || !HAVE_MODEL)(
  `web host: classify with the bundled model ${!HAVE_RAVDESS ? MISSING_DATA : !HAVE_MODEL ? NO_MODEL : ''}`,
  () => {
    it('app.info describes the bundled model', async () => {
      const { body } = await call<AppInfo>('app.info');
      expect(body.defaultModel?.path).toBe(MODEL_DIR);
      expect(body.defaultModel?.labels).toEqual(expect.arrayContaining(['angry', 'sad']));
    });

    it('classifies real RAVDESS bytes; a bad file gets its reason while the others classify', async () => {
      const { status, body } = await call<ClassifyResult>('classify', {
        files: [
          file(1, '03-01-05-02-01-01-01.wav'),
          { name: 'notes.wav', bytes: new TextEncoder().encode('just text, renamed') },
          { name: 'empty.wav', bytes: new Uint8Array(0) },
          file(2, '03-01-04-01-02-02-02.wav'),
        ],
      });
      expect(status).toBe(200);
      expect(body.model.runId).toBeNull();
      const [a, bad, empty, b] = body.results;
      for (const r of [a, b]) {
        expect(r?.ok).toBe(true);
        if (r?.ok) {
          expect(body.model.labels).toContain(r.prediction.label);
          expect(Object.keys(r.prediction.probabilities).sort()).toEqual([...body.model.labels].sort());
        }
      }
      expect(bad).toMatchObject({ ok: false, name: 'notes.wav', error: { code: 'DecodeError' } });
      expect(bad?.ok === false && bad.error.message).toContain('notes.wav');
      expect(empty).toMatchObject({ ok: false, error: { code: 'EmptyAudio' } });
    });
  },
);

describe.runIf(!HAVE_MODEL)('web host: classify without the bundled model', () => {
  it('fails the call with a ModelError that says what to do', async () => {
    const { status, body } = await call<{ error: { code: string; message: string } }>('classify', {
      files: [{ name: 'x.wav', bytes: new Uint8Array(4) }],
    });
    expect(status).toBe(422);
    expect(body.error.code).toBe('ModelError');
    expect(body.error.message).toContain("pick a trained run's model");
  });
});
