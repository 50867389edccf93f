import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/main/cli/index.js';
import { defaultDbPath, defaultModelsDir, openStore } from '../../src/main/store/index.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { sampleConfig, sampleEpoch, sampleEvaluation, sampleRun } from './fixtures/store-sample.js';
import { tempDir } from './fixtures/store-helpers.js';

let dir: string;
let cleanup: () => void;
let db: string;
let ids: { base: string; lr: string; failed: string };
let model: string;

beforeEach(() => {
  ({ dir, cleanup } = tempDir('cli'));
  db = join(dir, 'ser.sqlite');
  const store = openStore(db);
  model = join(store.modelsDir, 'base');
  mkdirSync(model, { recursive: true });
  writeFileSync(join(model, 'model.json'), '{}');
  const mk = (
    name: string,
    over: Parameters<typeof sampleRun>[0],
    correct: number | null,
    artifacts = false,
  ) => {
    const id = store.createRun(sampleRun({ name, ...over }));
    for (let e = 1; e <= 4; e++) store.appendEpoch(id, sampleEpoch(e));
    if (correct === null) store.finishRun(id, { status: 'failed', error: 'worker crashed' });
    else
      store.finishRun(id, {
        status: 'completed',
        evaluation: sampleEvaluation(undefined, correct),
        artifacts: artifacts ? [{ kind: 'model', path: model }] : [],
      });
    return id;
  };
  ids = {
    base: mk('baseline', { tags: ['paper'] }, 30, true),
    lr: mk('low lr', { config: sampleConfig({ seed: 3 }) }, 24),
    failed: mk('broken', {}, null),
  };
  store.close();
});
afterEach(() => cleanup());

/** Run `ser ...` in this process, capturing what it prints. */
async function ser(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    const code = await main(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

function lastJson(out: string): Record<string, unknown> {
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

describe('ser runs', () => {
  it('lists runs as a table and as JSON, with filters', async () => {
    const t = await ser('runs', 'list', '--db', db);
    expect(t.code).toBe(0);
    const lines = t.out.split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+CREATED\s+EPOCHS\s+ACC\s+MACRO-F1\s+TAGS$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${ids.failed.slice(0, 8)}\\s+broken\\s+failed\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+4\\s+-\\s+-$`,
      ),
    );
    expect(lines[3]).toMatch(/baseline\s+completed.*\s+4\s+75\.0%\s+75\.0%\s+paper$/);
    expect(lines[4]).toBe('3 runs');

    const j = lastJson(
      (await ser('runs', 'list', '--db', db, '--json', '--sort', 'accuracy', '--status', 'completed')).out,
    );
    expect((j.runs as { id: string }[]).map((r) => r.id)).toEqual([ids.base, ids.lr]);
    const tagged = lastJson((await ser('runs', '--db', db, '--json', '--tag', 'paper')).out);
    expect((tagged.runs as { name: string }[]).map((r) => r.name)).toEqual(['baseline']);
    const bad = await ser('runs', 'list', '--db', db, '--status', 'done');
    expect(bad.code).toBe(2);
    expect(bad.err.split('\n')[0]).toBe(
      'ser runs: --status takes running,completed,failed,cancelled,interrupted',
    );
    // A bad flag value is a usage error (exit 2), like an unknown flag, in every command.
    const badLimit = await ser('runs', 'list', '--db', db, '--limit', 'x');
    expect(badLimit.code).toBe(2);
    expect(badLimit.err).toBe('ser runs: --limit must be a number\n(ser runs --help for the options)');
    // ... also when there is no database yet.
    const noDb = await ser('runs', 'list', '--db', join(dir, 'none', 'ser.sqlite'), '--limit', 'x');
    expect(noDb.code).toBe(2);
  });

  it('shows one run by id prefix and compares runs', async () => {
    const s = await ser('runs', 'show', ids.base.slice(0, 6), '--db', db);
    expect(s.code).toBe(0);
    expect(s.out).toContain(`run      ${ids.base}`);
    expect(s.out).toContain('  optimizer.learningRate = 0.001');
    expect(s.out).toMatch(/evaluation \(n=240\): accuracy 75\.0%, macro-F1 75\.0%, UAR 75\.0%/);
    expect(s.out).toMatch(/confusion \(rows: true, columns: predicted\)\n\s+calm\s+happy/);
    expect(s.out).toContain(`  model  ${model}  sha256 `);

    const c = await ser('runs', 'compare', ids.base.slice(0, 8), ids.lr.slice(0, 8), '--db', db);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/config \(only what differs\)\n.*\n\s+seed\s+42\s+3\n/);
    expect(c.out).toMatch(/accuracy\s+75\.0%\s+60\.0%/);
    const cj = lastJson((await ser('runs', 'compare', ids.base, ids.lr, '--db', db, '--json')).out);
    expect(cj.configDiff).toEqual([{ path: 'seed', values: [42, 3] }]);
    expect((cj.curves as { epochs: number[] }).epochs).toEqual([1, 2, 3, 4]);
  });

  it('renames, tags and annotates', async () => {
    const p = ids.lr.slice(0, 8);
    expect((await ser('runs', 'rename', p, 'lr', '1e-4', '--db', db)).out).toBe(
      `renamed run ${p} to 'lr 1e-4'`,
    );
    expect((await ser('runs', 'tag', p, 'sweep', 'lr', '--db', db)).out).toBe(`run ${p} tags: lr, sweep`);
    expect((await ser('runs', 'tag', p, 'lr', '--remove', '--db', db)).out).toBe(`run ${p} tags: sweep`);
    await ser('runs', 'note', p, 'too', 'slow', '--db', db);
    const store = openStore(db);
    expect(store.getRun(ids.lr)).toMatchObject({ name: 'lr 1e-4', tags: ['sweep'], notes: 'too slow' });
    store.close();
  });

  it('exports, imports into another database, and deletes with the model folder', async () => {
    // The app's export format: one .ser-run.tar.gz with run.json and the model folder.
    const out = join(dir, 'shared-run');
    const e = await ser('runs', 'export', ids.base.slice(0, 8), out, '--db', db, '--json');
    expect(e.code).toBe(0);
    const file = lastJson(e.out).file as string;
    expect(file).toBe(join(out, `baseline-${ids.base.slice(0, 8)}.ser-run.tar.gz`));
    expect(lastJson(e.out)).toMatchObject({ warnings: [] });
    const listed = spawnSync('tar', ['-tzf', file], { encoding: 'utf8' });
    expect(listed.stdout).toContain(`baseline-${ids.base.slice(0, 8)}/run.json`);
    expect(listed.stdout).toContain(`baseline-${ids.base.slice(0, 8)}/model/model.json`);
    const other = join(dir, 'b', 'ser.sqlite');
    const i = await ser('runs', 'import', file, '--db', other);
    expect(i.out).toBe(`imported run ${ids.base.slice(0, 8)} 'baseline' (completed) into ${other}`);
    // The folder `tar -xzf` makes of it imports too (and is refused here: the run is already in).
    spawnSync('tar', ['-xzf', file, '-C', out]);
    const again = await ser('runs', 'import', join(out, `baseline-${ids.base.slice(0, 8)}`), '--db', other);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(
      /^ser runs: StoreError: run .* is already in .*; delete it there first to import it again$/,
    );

    const d = await ser('runs', 'delete', ids.base.slice(0, 8), '--db', db, '--json');
    expect(lastJson(d.out)).toEqual({ id: ids.base, removed: [model], kept: [] });
    expect(existsSync(model)).toBe(false);
    expect(existsSync(join(out, `baseline-${ids.base.slice(0, 8)}`, 'model', 'model.json'))).toBe(true);
  });

  it('reports bad ids and missing databases in one line', async () => {
    const bad = await ser('runs', 'show', 'zz', '--db', db);
    expect(bad).toEqual({
      code: 1,
      out: '',
      err: "ser runs: ValidationError: not a run id (give at least 4 hex digits of it): 'zz'",
    });
    const none = await ser('runs', 'list', '--db', join(dir, 'nothing.sqlite'), '--json');
    expect(lastJson(none.out)).toEqual({ db: join(dir, 'nothing.sqlite'), runs: [] });
    const rename = await ser('runs', 'rename', 'abcd', 'x', '--db', join(dir, 'nothing.sqlite'));
    expect(rename.err).toBe(
      `ser runs: StoreError: no database at ${join(dir, 'nothing.sqlite')} (no runs recorded yet)`,
    );
    expect(existsSync(join(dir, 'nothing.sqlite'))).toBe(false);
    expect((await ser('runs', 'frobnicate', '--db', db)).code).toBe(2);
  });

  it('works as a real process: `ser runs list --json` and SER_DB', () => {
    const r = spawnSync(process.execPath, [resolve(REPO_ROOT, 'bin', 'ser.mjs'), 'runs', 'list', '--json'], {
      cwd: REPO_ROOT,
      env: { ...process.env, SER_DB: db },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect((lastJson(r.stdout).runs as unknown[]).length).toBe(3);
    const bad = spawnSync(
      process.execPath,
      [resolve(REPO_ROOT, 'bin', 'ser.mjs'), 'runs', 'show', 'ffffffff', '--db', db],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      },
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe(`ser runs: NotFound: no run matches 'ffffffff' in ${db}`);
  });
});

describe('default database location', () => {
  it('follows --db, SER_DB, then the platform convention', () => {
    const home = '/home/ada';
    expect(defaultDbPath({ env: { SER_DB: '/x/my.sqlite' }, platform: 'linux', home })).toBe('/x/my.sqlite');
    expect(defaultDbPath({ env: {}, platform: 'linux', home })).toBe(
      '/home/ada/.local/share/ser-studio/ser.sqlite',
    );
    expect(defaultDbPath({ env: { XDG_DATA_HOME: '/data' }, platform: 'linux', home })).toBe(
      '/data/ser-studio/ser.sqlite',
    );
    // XDG says relative values are invalid and must be ignored.
    expect(defaultDbPath({ env: { XDG_DATA_HOME: 'rel' }, platform: 'linux', home })).toBe(
      '/home/ada/.local/share/ser-studio/ser.sqlite',
    );
    expect(defaultDbPath({ env: {}, platform: 'darwin', home })).toBe(
      '/home/ada/Library/Application Support/SER Studio/ser.sqlite',
    );
    expect(
      defaultDbPath({
        env: { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' },
        platform: 'win32',
        home: 'C:\\Users\\ada',
      }),
    ).toBe('C:\\Users\\ada\\AppData\\Roaming\\SER Studio\\ser.sqlite');
    expect(defaultModelsDir('/data/ser-studio/ser.sqlite')).toBe('/data/ser-studio/models');
  });
});
