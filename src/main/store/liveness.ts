/**
 * Is the process that owns a 'running' run still there? A pid can only be checked on the host
 * that wrote it, and pids are reused, so a run counts as alive only while its heartbeat is fresh
 * AND (it ran on another host, or its pid is alive here).
 */
import { hostname } from 'node:os';

export const HOST = hostname();

/** Default: a training process that has not written for this long is considered dead. */
export const DEFAULT_STALE_AFTER_MS = 15 * 60 * 1000;

export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RunningRow {
  id: string;
  pid: number | null;
  host: string | null;
  heartbeat: number | null;
}

/** Why a 'running' run is dead, or null when it may still be running. */
export function deathReason(row: RunningRow, now: number, staleAfterMs: number): string | null {
  if (row.host === HOST && row.pid !== null && !pidAlive(row.pid)) {
    return `process ${row.pid} stopped without finishing the run`;
  }
  if (row.heartbeat === null) return 'the run has no heartbeat';
  if (now - row.heartbeat > staleAfterMs) {
    const mins = Math.round((now - row.heartbeat) / 60000);
    const where = row.host === HOST ? '' : ` on ${row.host ?? 'an unknown host'}`;
    return `no sign of life from process ${row.pid ?? '?'}${where} for ${mins} min`;
  }
  return null;
}
