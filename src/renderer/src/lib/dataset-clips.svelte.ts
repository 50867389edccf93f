/**
 * The dataset browser's data: every clip measured by the engine (dataset.clips) in batches, with
 * progress and cancel, and one clip playing at a time.
 */
import { CLIP_INFO_BATCH, type ClipInfo } from '../../../shared/dataset-map.js';
import { errorText } from './errors.js';
import { audioMime } from './audio.js';

export class ClipLoader {
  /** By path; replaced (not mutated) as each batch arrives. */
  info = $state.raw<Record<string, ClipInfo>>({});
  done = $state(0);
  total = $state(0);
  running = $state(false);
  error = $state<string | null>(null);
  /** The clips with features and their rows, once every batch is in (the map needs them all). */
  mapRows = $state.raw<{ clips: string[]; rows: number[][] } | null>(null);
  private generation = 0;

  constructor(private readonly fetch: (paths: string[]) => Promise<ClipInfo[]>) {}

  async load(paths: string[]): Promise<void> {
    const gen = ++this.generation;
    this.info = {};
    this.mapRows = null;
    this.done = 0;
    this.total = paths.length;
    this.error = null;
    this.running = true;
    const info: Record<string, ClipInfo> = {};
    try {
      for (let i = 0; i < paths.length; i += CLIP_INFO_BATCH) {
        const batch = await this.fetch(paths.slice(i, i + CLIP_INFO_BATCH));
        if (gen !== this.generation) return;
        for (const c of batch) info[c.path] = c;
        this.info = { ...info };
        this.done = Math.min(paths.length, i + CLIP_INFO_BATCH);
      }
      const ok = paths.filter((p) => {
        const c = info[p];
        return c?.ok === true && c.pooled !== null;
      });
      this.mapRows = {
        clips: ok,
        rows: ok.map((p) => {
          const c = info[p];
          return c?.ok && c.pooled ? c.pooled : [];
        }),
      };
    } catch (err) {
      if (gen === this.generation) this.error = errorText(err);
    } finally {
      if (gen === this.generation) this.running = false;
    }
  }

  /** Stop after the batch in flight (its answer is dropped). */
  cancel(): void {
    this.generation++;
    this.running = false;
  }
}

export class ClipPlayer {
  playing = $state<string | null>(null);
  error = $state<string | null>(null);
  private audio: HTMLAudioElement | null = null;
  private url: string | null = null;

  constructor(private readonly read: (path: string) => Promise<Uint8Array>) {}

  async toggle(path: string): Promise<void> {
    const same = this.playing === path;
    this.stop();
    if (same) return;
    this.error = null;
    try {
      const bytes = await this.read(path);
      this.url = URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type: audioMime(path) }));
      const a = new Audio(this.url);
      this.audio = a;
      this.playing = path;
      a.onended = () => this.stop();
      await a.play();
    } catch (err) {
      this.stop();
      this.error = errorText(err);
    }
  }

  stop(): void {
    this.audio?.pause();
    this.audio = null;
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
    this.playing = null;
  }
}
