/**
 * A Python anchor process for the benchmarks: started once, it answers one JSON request per line,
 * so a benchmark can alternate its own measurement with the anchor's under the same load.
 * The interpreter is SER_ANCHOR_PYTHON or /usr/bin/python3 (Debian's, where python3-torch lives);
 * when it is missing or lacks a module the script imports, the anchor is skipped with the reason.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface Anchor {
  /** The script's ready line (e.g. its torch version). */
  info: Record<string, unknown>;
  ask<T = Record<string, unknown>>(request: Record<string, unknown>): Promise<T>;
  close(): void;
}

export const ANCHOR_PYTHON = process.env.SER_ANCHOR_PYTHON ?? '/usr/bin/python3';

/** Start `bench/anchors/<script>`; resolves to the anchor, or to a one-line reason it cannot run. */
export async function startAnchor(script: string): Promise<Anchor | string> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  if (!existsSync(ANCHOR_PYTHON)) return `${ANCHOR_PYTHON} not found (set SER_ANCHOR_PYTHON)`;
  // One thread for numpy's BLAS as for torch (SER's wasm backend runs on one).
  const oneThread = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const proc: ChildProcessWithoutNullStreams = spawn(ANCHOR_PYTHON, [path], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...oneThread },
  });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown> | null> => {
    const r = await lines.next();
    return r.done ? null : (JSON.parse(r.value) as Record<string, unknown>);
  };
  const ready = await next().catch(() => null);
  if (!ready) {
    await new Promise((r) => (proc.exitCode === null ? proc.once('exit', r) : r(null)));
    const why = stderr.trim().split('\n').at(-1) ?? 'no output';
    return `${ANCHOR_PYTHON} ${script}: ${why}`;
  }
  let queue: Promise<unknown> = Promise.resolve();
  return {
    info: ready,
    ask<T>(request: Record<string, unknown>): Promise<T> {
      const run = queue.then(async () => {
        proc.stdin.write(JSON.stringify(request) + '\n');
        const reply = await next();
        if (!reply) throw new Error(`anchor ${script} exited: ${stderr.trim().split('\n').at(-1) ?? ''}`);
        if (typeof reply.error === 'string') throw new Error(`anchor ${script}: ${reply.error}`);
        return reply as T;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    close() {
      proc.stdin.end();
    },
  };
}
