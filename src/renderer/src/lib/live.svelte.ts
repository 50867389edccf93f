/**
 * Live mode: every LIVE_HOP_SECONDS, the last LIVE_WINDOW_SECONDS of the microphone go to the
 * engine as a WAV (the same classify call as a dropped file), unless they are silence. The strip
 * keeps a smoothed (exponential moving average) probability per label, and how long each
 * prediction took from the newest audio reaching the page to the strip being drawn.
 */
import type { ClassifyEntry } from '../../../shared/contract.js';
import {
  LIVE_HOP_SECONDS,
  LIVE_MIN_SECONDS,
  LIVE_SMOOTHING,
  LIVE_WINDOW_SECONDS,
  isSilent,
} from '../../../shared/live.js';
import { encodeWav } from '../../../shared/wav-encode.js';
import type { MicCapture } from './mic.js';

/** Columns kept in the strip (30 s at two a second). */
const KEEP = 60;

export interface LiveStep {
  /** Seconds since the microphone opened, at the end of the window. */
  t: number;
  /** Smoothed probabilities; null for silence. */
  smoothed: Record<string, number> | null;
  /** The label with the highest smoothed probability, or 'silence'. */
  label: string;
  /** Milliseconds from the newest audio reaching the page to this step on screen. */
  latencyMs: number;
  error?: string;
}

export class LiveClassifier {
  steps = $state.raw<LiveStep[]>([]);
  /** Windows skipped because the previous prediction had not come back yet. */
  skipped = $state(0);
  /** Steps drawn, median, 95th percentile and worst latency (ms), steps per second over the last 10 s. */
  stats = $state({ count: 0, p50: 0, p95: 0, max: 0, rate: 0 });
  private timer: ReturnType<typeof setInterval> | null = null;
  private busy = false;
  private ema: Record<string, number> | null = null;
  /** Latencies (ms) and times (performance.now()) of every step, for the benchmark's read-out. */
  readonly latencies: number[] = [];
  readonly times: number[] = [];

  constructor(
    private readonly capture: MicCapture,
    private readonly classify: (wav: Uint8Array<ArrayBuffer>) => Promise<ClassifyEntry>,
    /** Resolves once the newest step is on screen (the view's tick + a frame). */
    private readonly drawn: () => Promise<void>,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.step(), LIVE_HOP_SECONDS * 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.ema = null;
  }

  private async step(): Promise<void> {
    const cap = this.capture;
    if (cap.seconds < LIVE_MIN_SECONDS) return;
    if (this.busy) {
      this.skipped++;
      return;
    }
    this.busy = true;
    const t0 = cap.lastChunkAt;
    const t = cap.seconds;
    try {
      const window = cap.recent(LIVE_WINDOW_SECONDS);
      let step: Omit<LiveStep, 'latencyMs'>;
      if (isSilent(window, cap.sampleRate)) {
        this.ema = null;
        step = { t, smoothed: null, label: 'silence' };
      } else {
        const r = await this.classify(encodeWav(window, cap.sampleRate));
        if (r.ok) step = this.smooth(t, r.prediction.probabilities);
        // The engine's speech check (too little voiced audio in the window) is silence here too,
        // not an error: a window often holds only the tail of an utterance.
        else if (r.error.code === 'SilentAudio' || r.error.code === 'NoSpeech') {
          this.ema = null;
          step = { t, smoothed: null, label: 'silence' };
        } else step = { t, smoothed: null, label: 'error', error: r.error.message };
      }
      if (!this.timer) return;
      const pending: LiveStep = { ...step, latencyMs: 0 };
      this.steps = [...this.steps.slice(-(KEEP - 1)), pending];
      await this.drawn();
      pending.latencyMs = performance.now() - t0;
      this.latencies.push(pending.latencyMs);
      this.times.push(performance.now());
      this.stats = summarise(this.latencies, this.times);
    } catch (err) {
      this.steps = [
        ...this.steps.slice(-(KEEP - 1)),
        { t, smoothed: null, label: 'error', latencyMs: 0, error: String(err) },
      ];
    } finally {
      this.busy = false;
    }
  }

  private smooth(t: number, p: Record<string, number>): Omit<LiveStep, 'latencyMs'> {
    const prev = this.ema;
    const next: Record<string, number> = {};
    for (const [k, v] of Object.entries(p)) {
      next[k] = prev?.[k] === undefined ? v : LIVE_SMOOTHING * v + (1 - LIVE_SMOOTHING) * prev[k];
    }
    this.ema = next;
    const label = Object.entries(next).reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    return { t, smoothed: next, label };
  }
}

function summarise(latencies: number[], times: number[]): LiveClassifier['stats'] {
  const sorted = [...latencies].sort((a, b) => a - b);
  const now = times[times.length - 1] ?? 0;
  const recent = times.filter((x) => now - x <= 10_000);
  const span = recent.length > 1 ? (now - recent[0]!) / 1000 : 0;
  return {
    count: latencies.length,
    p50: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    p95: Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0),
    max: Math.round(sorted[sorted.length - 1] ?? 0),
    rate: span > 0 ? Math.round(((recent.length - 1) / span) * 100) / 100 : 0,
  };
}
