/**
 * Training jobs of this session: started through the training engine (a worker thread, so the
 * main process never blocks), their events fanned out as `train.event`, and enough of their
 * history kept that a reloaded page can redraw the curves.
 */
import type { TrainJobInfo } from '../../shared/contract.js';
import { SerError } from '../../shared/errors.js';
import type { TrainEvent, TrainRequest, TrainResult } from '../../shared/training.js';
import { startTrainingJob } from '../training/job.js';
import type { EventHub } from './events.js';

/** Batch events are frequent; the UI needs a few per second at most. */
const BATCH_INTERVAL_MS = 100;
/** Jobs kept in the list after they end. */
const KEEP_FINISHED = 20;

interface Job {
  info: TrainJobInfo;
  cancel: () => void;
  done: Promise<TrainResult>;
  lastBatchAt: number;
}

export interface TrainJobsOptions {
  dbPath: string;
  modelsDir: string;
  cacheDir: string | null;
  hub: EventHub;
}

export class TrainJobs {
  private jobs = new Map<string, Job>();

  constructor(private readonly opts: TrainJobsOptions) {}

  start(
    req: Pick<
      TrainRequest,
      'dataDir' | 'config' | 'name' | 'tags' | 'allowedRoots' | 'backend' | 'saveModel'
    >,
  ): { jobId: string } {
    const { hub } = this.opts;
    // One at a time: two trainings would share the cores and each take twice as long.
    const running = [...this.jobs.values()].find((j) => j.info.status === 'running');
    if (running) {
      throw new SerError(
        'TrainingError',
        `already training '${running.info.name}'; wait for it to finish or cancel it first`,
      );
    }
    let job: Job | null = null;
    const pending: TrainEvent[] = [];
    const onEvent = (event: TrainEvent) => {
      // Events may arrive before startTrainingJob returns (synchronous errors): queue them.
      if (!job) {
        pending.push(event);
        return;
      }
      this.record(job, event);
    };
    const handle = startTrainingJob(
      {
        ...req,
        dbPath: this.opts.dbPath,
        modelsDir: this.opts.modelsDir,
        cacheDir: this.opts.cacheDir,
      },
      onEvent,
    );
    job = {
      info: {
        jobId: handle.id,
        name: req.name ?? '',
        root: req.dataDir,
        startedAt: new Date().toISOString(),
        status: 'running',
        runId: null,
        config: req.config,
        events: [],
      },
      cancel: () => handle.cancel(),
      done: handle.done,
      lastBatchAt: 0,
    };
    this.jobs.set(handle.id, job);
    for (const e of pending.splice(0)) this.record(job, e);
    const j = job;
    handle.done
      .then(
        (result) => {
          if (j.info.status === 'running') {
            j.info.status = result.status === 'completed' ? 'done' : result.status;
            j.info.runId ??= result.runId;
          }
        },
        (err: unknown) => {
          if (j.info.status === 'running') {
            j.info.status = 'failed';
            const message = err instanceof Error ? err.message : String(err);
            this.record(j, { type: 'error', code: 'TrainingError', message });
          }
        },
      )
      .finally(() => {
        if (j.info.runId) hub.emit('runs.changed', { reason: 'finished', id: j.info.runId });
        this.prune();
      });
    return { jobId: handle.id };
  }

  private record(job: Job, event: TrainEvent): void {
    const { info } = job;
    if (event.type === 'batch') {
      const now = Date.now();
      if (now - job.lastBatchAt < BATCH_INTERVAL_MS && event.batch < event.batches) return;
      job.lastBatchAt = now;
    } else {
      info.events.push(event);
    }
    if (event.type === 'started' && event.runId) {
      info.runId = event.runId;
      this.opts.hub.emit('runs.changed', { reason: 'created', id: event.runId });
    }
    if (event.type === 'done') {
      info.status = 'done';
      info.runId = event.runId;
    } else if (event.type === 'cancelled') {
      info.status = 'cancelled';
      info.runId ??= event.runId;
    } else if (event.type === 'error') {
      info.status = 'failed';
      info.runId ??= event.runId ?? null;
    }
    this.opts.hub.emit('train.event', { jobId: info.jobId, event });
  }

  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job || job.info.status !== 'running') return false;
    job.cancel();
    return true;
  }

  /** The job's result when it ends (NotFound for a job this session does not know). */
  wait(jobId: string): Promise<TrainResult> {
    const job = this.jobs.get(jobId);
    if (!job) throw new SerError('NotFound', `no training job ${jobId} in this session`);
    return job.done;
  }

  list(): TrainJobInfo[] {
    return [...this.jobs.values()].map((j) => ({ ...j.info, events: [...j.info.events] }));
  }

  /** Cancel every running job and wait (up to `timeoutMs`) for each to record its end. */
  async cancelAll(timeoutMs = 15_000): Promise<void> {
    const running = [...this.jobs.values()].filter((j) => j.info.status === 'running');
    for (const j of running) j.cancel();
    const settled = Promise.allSettled(running.map((j) => j.done));
    await Promise.race([settled, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => j.info.status !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED)))
      this.jobs.delete(j.info.jobId);
  }
}
