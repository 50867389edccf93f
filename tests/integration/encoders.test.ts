/**
 * Speech encoders on this machine, with the tiny encoder (scripts/tiny-encoder/build.ts) built
 * at test time and served by a loopback server in the Hub's URL layout: progress, resume after
 * the downloading process is killed, checksum refusal, atomic install, offline import, the
 * one-line errors, and the windowed embedding of a long clip.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTinyEncoder } from '../../scripts/tiny-encoder/build.js';
import type { EncoderEntry } from '../../src/shared/encoders.js';
import type { DownloadProgress } from '../../src/main/encoders/download.js';
import { encoderFolder, partialFolder } from '../../src/main/encoders/paths.js';
import {
  folderNormalises,
  openEncoder,
  OVERLAP_SECONDS,
  WINDOW_SECONDS,
} from '../../src/main/encoders/runtime.js';
import {
  importEncoder,
  listEncoders,
  pullEncoder,
  removeEncoder,
  resolveEncoder,
} from '../../src/main/encoders/store.js';
import { type HubServer, startHubServer } from '../helpers/hub-server.js';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const REV = 'a'.repeat(40);
let work: string;
let tiny: string;
let modelSha: string;
let modelBytes: number;
let hub: HubServer;

const entry = (over: Partial<EncoderEntry> = {}): EncoderEntry => ({
  id: 'tiny-test',
  label: 'Tiny test encoder',
  repo: 'test/tiny-encoder',
  revision: REV,
  full: { path: 'onnx/model.onnx', sizeMB: 0.1, sha256: modelSha },
  quantized: null,
  licence: 'MIT',
  sampleRate: 16_000,
  hiddenSize: 48,
  output: 'last_hidden_state',
  paper: '-',
  unconfirmed: null,
  ...over,
});

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ser-encoders-'));
  tiny = join(work, 'tiny-src');
  const model = buildTinyEncoder(tiny);
  const bytes = readFileSync(model);
  modelSha = createHash('sha256').update(bytes).digest('hex');
  modelBytes = bytes.length;
  hub = await startHubServer('test/tiny-encoder', REV, tiny);
});

afterAll(async () => {
  await hub?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('pull', () => {
  it('downloads with progress, verifies and installs the folder in one rename', async () => {
    const root = join(work, 'pull');
    const events: DownloadProgress[] = [];
    hub.throttle = 16_384;
    try {
      const m = await pullEncoder(entry(), { root, baseUrl: hub.url, onProgress: (p) => events.push(p) });
      expect(m.modelSha256).toBe(modelSha);
      expect(m.hiddenSize).toBe(48);
    } finally {
      hub.throttle = 0;
    }
    expect(events.length).toBeGreaterThan(2);
    for (let i = 1; i < events.length; i++)
      expect(events[i]!.bytes).toBeGreaterThanOrEqual(events[i - 1]!.bytes);
    const last = events.at(-1)!;
    expect(last.bytes).toBe(modelBytes);
    expect(last.totalBytes).toBe(modelBytes);
    expect(last.rate).toBeGreaterThan(0);
    expect(events.some((e) => e.etaSeconds !== null && e.etaSeconds > 0)).toBe(true);
    const { dir } = resolveEncoder(root, 'tiny-test');
    expect(
      readFileSync(join(dir, 'onnx/model.onnx')).equals(readFileSync(join(tiny, 'onnx/model.onnx'))),
    ).toBe(true);
    expect(existsSync(partialFolder(root, 'tiny-test'))).toBe(false);
    // A second pull is a no-op: nothing fetched.
    const before = hub.requests.length;
    await pullEncoder(entry(), { root, baseUrl: hub.url });
    expect(hub.requests.length).toBe(before);
  });

  it('resumes after the downloading process is killed, and never shows the half file as installed', async () => {
    const root = join(work, 'resume');
    hub.throttle = 8_192; // ~160 kB/s: the kill lands midway through the ~117 kB model
    const child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'bin/run-ts.mjs'),
        join(REPO_ROOT, 'tests/fixtures/encoder-pull-child.ts'),
        JSON.stringify({ entry: entry(), root, baseUrl: hub.url }),
      ],
      { stdio: 'ignore' },
    );
    const part = join(partialFolder(root, 'tiny-test'), 'onnx/model.onnx.part');
    const deadline = Date.now() + 60_000;
    while (!(existsSync(part) && statSync(part).size > 30_000) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    hub.throttle = 0;
    const kept = statSync(part).size;
    expect(kept).toBeGreaterThan(30_000);
    expect(kept).toBeLessThan(modelBytes);
    // Half a file is never an installed encoder.
    expect(existsSync(encoderFolder(root, 'tiny-test'))).toBe(false);
    expect(() => resolveEncoder(root, 'tiny-test')).toThrow(/not downloaded/);

    const events: DownloadProgress[] = [];
    const m = await pullEncoder(entry(), { root, baseUrl: hub.url, onProgress: (p) => events.push(p) });
    expect(m.modelSha256).toBe(modelSha);
    expect(events[0]!.resumedFrom).toBeGreaterThanOrEqual(kept);
    const rangeAsked = hub.requests.filter((r) => r.path.endsWith('model.onnx') && r.range).at(-1);
    expect(rangeAsked?.range).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(rangeAsked!.range!)![0])).toBeGreaterThanOrEqual(kept);
  });

  it('refuses a file whose checksum does not match, deletes it and installs nothing', async () => {
    const root = join(work, 'checksum');
    const bad = entry({ full: { path: 'onnx/model.onnx', sizeMB: 0.1, sha256: '0'.repeat(64) } });
    await expect(pullEncoder(bad, { root, baseUrl: hub.url })).rejects.toThrow(
      /^checksum mismatch for onnx\/model\.onnx: expected sha256 0{64}, got [0-9a-f]{64}; the file was deleted$/,
    );
    expect(existsSync(encoderFolder(root, 'tiny-test'))).toBe(false);
    expect(existsSync(join(partialFolder(root, 'tiny-test'), 'onnx/model.onnx.part'))).toBe(false);
    expect(listEncoders(root).some((r) => r.id === 'tiny-test')).toBe(false);
  });

  it('says in one line when the server answers an HTTP error or there is no network', async () => {
    const root = join(work, 'errors');
    await expect(
      pullEncoder(entry({ revision: 'b'.repeat(40) }), { root, baseUrl: hub.url }),
    ).rejects.toThrow(
      new RegExp(`^HTTP 404 Not Found fetching ${hub.url}/test/tiny-encoder/resolve/b{40}/config\\.json$`),
    );
    const port = await new Promise<number>((r) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => r(p));
      });
    });
    await expect(pullEncoder(entry(), { root, baseUrl: `http://127.0.0.1:${port}` })).rejects.toThrow(
      new RegExp(`^no network: cannot reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\) fetching `),
    );
  });
});

describe('import and remove', () => {
  it('imports a folder offline, lists it, and removes it', async () => {
    const root = join(work, 'import');
    const m = await importEncoder(tiny, { root });
    expect(m).toMatchObject({
      id: 'local/tiny-src',
      source: 'imported',
      modelSha256: modelSha,
      hiddenSize: 48,
    });
    expect(listEncoders(root).find((r) => r.id === 'local/tiny-src')).toMatchObject({
      downloaded: true,
      source: 'imported',
    });
    expect(await removeEncoder(root, 'local/tiny-src')).toBe(true);
    expect(listEncoders(root).some((r) => r.id === 'local/tiny-src')).toBe(false);
    expect(await removeEncoder(root, 'local/tiny-src')).toBe(false);
  });

  it('refuses folders that are not encoders, naming the folder and the problem', async () => {
    const root = join(work, 'import-bad');
    const empty = join(work, 'empty');
    mkdirSync(empty, { recursive: true });
    await expect(importEncoder(empty, { root })).rejects.toThrow(
      `not an encoder folder (no onnx/model.onnx): ${empty}`,
    );
    const junk = join(work, 'junk');
    mkdirSync(join(junk, 'onnx'), { recursive: true });
    writeFileSync(join(junk, 'config.json'), '{}');
    writeFileSync(join(junk, 'onnx/model.onnx'), 'not a model');
    await expect(importEncoder(junk, { root })).rejects.toThrow(
      /^not a loadable ONNX model \(.*\): .*junk\/onnx\/model\.onnx$/,
    );
    expect(listEncoders(root).filter((r) => r.source === 'imported')).toEqual([]);
  });
});

describe('embedding', () => {
  it('runs a long clip in bounded windows whose frames join the unwindowed ones', async () => {
    expect(folderNormalises(tiny)).toBe(true);
    const enc = await openEncoder(join(tiny, 'onnx/model.onnx'));
    const seconds = 2 * WINDOW_SECONDS + 3;
    const n = 16_000 * seconds;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++)
      x[i] = 0.3 * Math.sin((2 * Math.PI * (200 + 100 * Math.sin(i / 16_000)) * i) / 16_000);
    const long = await enc.embed(x);
    expect(enc.hidden).toBe(48);
    expect(Math.abs(long.frames - n / 320)).toBeLessThanOrEqual(3);
    // The first window's frames are the same as those of the first WINDOW_SECONDS alone; a frame
    // well inside the second window matches the encoder run on a stretch around it.
    const first = await enc.embed(x.subarray(0, 16_000 * WINDOW_SECONDS));
    const keep = (WINDOW_SECONDS - OVERLAP_SECONDS / 2) * 50 - 2;
    for (let i = 0; i < keep * 48; i += 97) expect(long.data[i]!).toBeCloseTo(first.data[i]!, 3);
    await enc.close();
  });
});

describe('ser encoders', () => {
  const ser = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number; out: string; err: string }>((done) => {
      const c = spawn(process.execPath, [join(REPO_ROOT, 'bin/ser.mjs'), 'encoders', ...args], {
        env: { ...process.env, ...env },
      });
      let out = '';
      let err = '';
      c.stdout.on('data', (d) => (out += d));
      c.stderr.on('data', (d) => (err += d));
      c.on('exit', (code) => done({ code: code ?? -1, out, err }));
    });

  it('imports, lists and removes from the command line; a bad folder is one line and exit 1', async () => {
    const env = { SER_ENCODER_DIR: join(work, 'cli') };
    const imported = await ser(['import', tiny, '--id', 'local/mine', '--json'], env);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.out.trim().split('\n').at(-1)!)).toMatchObject({
      id: 'local/mine',
      hiddenSize: 48,
    });
    const list = await ser(['list', '--json'], env);
    const rows = JSON.parse(list.out.trim().split('\n').at(-1)!).encoders as {
      id: string;
      downloaded: boolean;
    }[];
    expect(rows.map((r) => r.id)).toEqual([
      'wavlm-base-plus',
      'hubert-base-ls960',
      'wavlm-large',
      'local/mine',
    ]);
    expect(rows.filter((r) => r.downloaded).map((r) => r.id)).toEqual(['local/mine']);
    expect((await ser(['remove', 'local/mine'], env)).out).toBe('removed local/mine\n');
    const bad = await ser(['import', work], env);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe(`ser encoders: EncoderError: not an encoder folder (no onnx/model.onnx): ${work}\n`);
    expect((await ser(['pull', 'nope'], env)).code).toBe(2);
  });
});
