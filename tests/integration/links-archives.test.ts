/**
 * Hostile folders and archives: links and special files in an export, entries pointing outside,
 * archives that inflate without bound or hold too many entries, dataset links out of the allowed
 * folders. Nothing outside the given folders (and the app's own data) may be read.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SerError } from '../../src/shared/errors.js';
import { createService } from '../../src/main/api/service.js';
import type { Service } from '../../src/main/api/types.js';
import { MAX_ENTRIES, MAX_UNPACKED_BYTES, packDir, unpackInto } from '../../src/main/api/tar.js';
import { scanDataset } from '../../src/main/dataset/scan.js';
import { openStore } from '../../src/main/store/index.js';
import { HAVE_RAVDESS, MISSING_DATA, ravdessClip } from '../helpers/shared-data.js';
import { sampleRun } from './fixtures/store-sample.js';

let dir: string;
let secret: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ser-links-'));
  secret = join(dir, 'secret.txt');
  writeFileSync(secret, 'TOP-SECRET-CONTENT');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<SerError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof SerError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

/** A store with one completed run whose model folder holds `extra(modelDir)`. */
function runWithModel(
  name: string,
  extra: (modelDir: string) => void,
): { db: string; id: string; models: string } {
  const db = join(dir, name, 'ser.sqlite');
  const models = join(dir, name, 'models');
  const store = openStore(db, { modelsDir: models });
  const id = store.createRun(sampleRun({ name }));
  const modelDir = join(models, id);
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(join(modelDir, 'model.json'), '{}');
  extra(modelDir);
  store.finishRun(id, { status: 'completed', artifacts: [{ kind: 'model', path: modelDir }] });
  store.close();
  return { db, id, models };
}

/** A ustar header for `name` of `size` bytes and `type`. */
function tarHeader(name: string, size: number, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'ascii');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  return h;
}

describe('export and import never follow links', () => {
  it('export leaves out a link planted in a model folder (with a warning); the archive holds no outside bytes', () => {
    const { db, id } = runWithModel('planted', (m) => symlinkSync(secret, join(m, 'weights.bin')));
    const store = openStore(db);
    const out = join(dir, 'planted-export');
    const res = store.exportRun(id, out);
    store.close();
    expect(res.warnings.join('\n')).toMatch(/left out weights\.bin \(symbolic link\)/);
    const archive = gunzipSync(packDir(out, 'x')).toString('latin1');
    expect(archive).not.toContain('TOP-SECRET');
  });

  it('packDir never follows a link, even one placed in the export folder itself', () => {
    const folder = join(dir, 'pack-me');
    mkdirSync(folder);
    writeFileSync(join(folder, 'run.json'), '{}');
    symlinkSync(secret, join(folder, 'model'));
    symlinkSync(dir, join(folder, 'up'));
    expect(gunzipSync(packDir(folder, 'x')).toString('latin1')).not.toContain('TOP-SECRET');
  });

  it('import refuses an export whose model folder holds a link or a FIFO', async () => {
    const { db, id } = runWithModel('to-import', () => undefined);
    const src = openStore(db);
    const out = join(dir, 'import-me');
    src.exportRun(id, out);
    src.close();
    symlinkSync(secret, join(out, 'model', 'extra.bin'));
    const other = openStore(join(dir, 'other', 'ser.sqlite'));
    try {
      const e = await rejection(() => other.importRun(out));
      expect(e.message).toMatch(/extra\.bin \(symbolic link\)/);
      rmSync(join(out, 'model', 'extra.bin'));
      execFileSync('mkfifo', [join(out, 'model', 'pipe')]);
      expect((await rejection(() => other.importRun(out))).message).toMatch(/pipe \(special file\)/);
    } finally {
      other.close();
    }
  });

  it('import refuses a run.json whose file entry points outside the export', async () => {
    const { db, id } = runWithModel('escape', () => undefined);
    const src = openStore(db);
    const out = join(dir, 'escape-export');
    src.exportRun(id, out);
    src.close();
    const doc = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    doc.files[0].path = '../secret.txt';
    writeFileSync(join(out, 'run.json'), JSON.stringify(doc));
    const other = openStore(join(dir, 'other2', 'ser.sqlite'));
    try {
      expect((await rejection(() => other.importRun(out))).message).toMatch(
        /files\.0\.path|outside its folder/,
      );
    } finally {
      other.close();
    }
  });
});

describe('archives are inflated as streams, with caps', () => {
  it(`refuses an entry that would take the total over ${MAX_UNPACKED_BYTES / 1024 ** 2} MB, at its header`, async () => {
    const bomb = gzipSync(
      Buffer.concat([tarHeader('x/run.json', MAX_UNPACKED_BYTES + 1), Buffer.alloc(4096)]),
    );
    const dest = mkdtempSync(join(dir, 'bomb-'));
    expect((await rejection(unpackInto(bomb, dest))).message).toMatch(/unpacks to more than 512 MB/);
  });

  it('stops inflating real data at the cap (a small archive of zeros)', async () => {
    // 64 MB of zeros in ~64 KB; a 16 MB cap makes the point without inflating gigabytes.
    const size = 64 * 1024 ** 2;
    const bomb = gzipSync(
      Buffer.concat([
        tarHeader('x/a.bin', 16 * 1024 ** 2),
        Buffer.alloc(16 * 1024 ** 2),
        tarHeader('x/b.bin', size),
        Buffer.alloc(size),
      ]),
      { level: 1 },
    );
    expect(bomb.length).toBeLessThan(1024 ** 2);
    const dest = mkdtempSync(join(dir, 'zeros-'));
    const e = await rejection(unpackInto(bomb, dest, { maxBytes: 32 * 1024 ** 2 }));
    expect(e.message).toMatch(/more than 32 MB/);
  });

  it('unpacks an archive whose end-of-archive blocks are followed by more padding than one gzip chunk', async () => {
    // tar pads to 10 KiB records (GNU tar and others may add more): reading stops at the end
    // blocks, leaving gzip data unread; that is a complete archive, not one that cannot decompress.
    const dir = mkdtempSync(join(tmpdir(), 'ser-pad-'));
    try {
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'src', 'a.bin'), Buffer.alloc(5000, 7));
      const tar = gunzipSync(packDir(join(dir, 'src'), 'top'));
      const padded = gzipSync(Buffer.concat([tar, Buffer.alloc(256 * 1024)]));
      expect(await unpackInto(padded, join(dir, 'out'))).toContain('top/a.bin');
      expect(readFileSync(join(dir, 'out', 'top', 'a.bin'))).toEqual(Buffer.alloc(5000, 7));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`refuses more than ${MAX_ENTRIES} entries`, async () => {
    const parts: Buffer[] = [];
    for (let i = 0; i <= MAX_ENTRIES; i++) parts.push(tarHeader(`x/d${i}/`, 0, '5'));
    const dest = mkdtempSync(join(dir, 'many-'));
    expect((await rejection(unpackInto(gzipSync(Buffer.concat(parts)), dest))).message).toMatch(
      /more than 2000 entries/,
    );
  });

  it('refuses link entries and paths outside the destination', async () => {
    const dest = mkdtempSync(join(dir, 'evil-'));
    const link = gzipSync(Buffer.concat([tarHeader('x/l', 0, '2'), Buffer.alloc(1024)]));
    expect((await rejection(unpackInto(link, dest))).message).toMatch(/unsupported type/);
    const up = gzipSync(Buffer.concat([tarHeader('../up.txt', 1), Buffer.alloc(1024)]));
    expect((await rejection(unpackInto(up, dest))).message).toMatch(/outside its folder/);
  });
});

describe.skipIf(!HAVE_RAVDESS)(
  `dataset scans stay inside the allowed folders ${HAVE_RAVDESS ? '' : MISSING_DATA}`,
  () => {
    let service: Service;
    let data: string;
    beforeAll(async () => {
      data = join(dir, 'data');
      const outside = join(dir, 'outside');
      mkdirSync(join(data, 'Actor_01'), { recursive: true });
      mkdirSync(outside);
      // Two real clips inside, one link to a file outside the allowed folder, one link inside.
      for (const f of ['03-01-05-01-01-01-01.wav', '03-01-04-01-01-01-01.wav']) {
        writeFileSync(join(data, 'Actor_01', f), readFileSync(ravdessClip(1, f)));
      }
      writeFileSync(join(outside, 'private.wav'), readFileSync(ravdessClip(1, '03-01-03-01-01-01-01.wav')));
      symlinkSync(join(outside, 'private.wav'), join(data, 'Actor_01', '03-01-03-01-01-01-01.wav'));
      symlinkSync(
        join(data, 'Actor_01', '03-01-05-01-01-01-01.wav'),
        join(data, 'Actor_01', '03-01-05-01-01-02-01.wav'),
      );
      service = await createService({
        dbPath: join(dir, 'svc', 'ser.sqlite'),
        modelsDir: join(dir, 'svc', 'models'),
        settingsPath: join(dir, 'svc', 'settings.json'),
        cacheDir: null,
        allowedRoots: [data],
        platform: 'web',
      });
    });
    afterAll(async () => service?.close());

    it('dataset.scan skips a link to a file outside the allowed folders, and says why; a link inside is used', async () => {
      const scan = await service.call('dataset.scan', { root: data, labels: ['angry', 'sad', 'happy'] });
      expect(scan.items.map((i) => i.path.split('/').pop()).sort()).toEqual([
        '03-01-04-01-01-01-01.wav',
        '03-01-05-01-01-01-01.wav',
        '03-01-05-01-01-02-01.wav',
      ]);
      const skipped = scan.skipped.find((s) => s.path.endsWith('03-01-03-01-01-01-01.wav'));
      expect(skipped?.reason).toMatch(/outside the allowed folders/);
    });

    it('the CLI (no allowed folders) still follows a user’s own links', async () => {
      const scan = await scanDataset(data, { labels: ['angry', 'sad', 'happy'], findDuplicates: false });
      expect(scan.items).toHaveLength(4);
    });
  },
);
