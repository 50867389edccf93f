/**
 * Microphone capture with Web Audio: every chunk of samples is kept (for the recording and the
 * live window) and measured with meyda (RMS, perceptual loudness, spectral centroid) for the
 * level meter. No resampling or features here: the recording goes to the engine as WAV at the
 * device's rate, where the same decode -> resample -> features code as for files runs on it.
 *
 * The audio context runs at the rate the engine analyses (16 kHz by default): the browser
 * resamples the device once, and the engine then decodes the WAV without resampling again (on a
 * loaded machine resampling 3 s from 44.1 kHz took 20-100 ms of the live mode's budget).
 *
 * A ScriptProcessorNode delivers the chunks. It is deprecated in favour of AudioWorklet, but runs
 * on the main thread without a separate module file, and 512 samples (32 ms) is well below the
 * live mode's half-second step; meyda's own analyser is built on the same node.
 */
import Meyda from 'meyda';

/** Samples per chunk: a power of two, as meyda requires; 32 ms at 16 kHz. */
const CHUNK = 512;

export interface MicLevel {
  /** RMS of the last chunk, dBFS. */
  dbfs: number;
  /** meyda's total loudness (sones, Zwicker model) of the last chunk. */
  loudness: number;
  /** meyda's spectral centroid of the last chunk, in Hz. */
  centroidHz: number;
  /** Seconds captured so far. */
  seconds: number;
}

export class MicCapture {
  readonly sampleRate: number;
  private chunks: Float32Array[] = [];
  private length = 0;
  /** performance.now() when the newest chunk reached the page. */
  lastChunkAt = 0;
  private closed = false;

  private constructor(
    private readonly ctx: AudioContext,
    private readonly stream: MediaStream,
    private readonly node: ScriptProcessorNode,
    private readonly onlevel: (level: MicLevel) => void,
  ) {
    this.sampleRate = ctx.sampleRate;
    node.onaudioprocess = (e) => this.onChunk(e.inputBuffer.getChannelData(0));
  }

  /** Ask for the microphone (the browser's permission prompt) and start capturing. */
  static async open(onlevel: (level: MicLevel) => void, sampleRate: number): Promise<MicCapture> {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new Error(
        'this page has no microphone access (needs a secure origin: the app, or http://127.0.0.1)',
      );
    }
    // Raw signal: echo cancellation, noise suppression and gain control would change what the model hears.
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    const ctx = new AudioContext({ sampleRate });
    await ctx.resume();
    Meyda.sampleRate = ctx.sampleRate;
    const source = ctx.createMediaStreamSource(stream);
    const node = ctx.createScriptProcessor(CHUNK, 1, 1);
    // The node only runs when connected to the output; a zero gain keeps the speakers silent.
    const mute = ctx.createGain();
    mute.gain.value = 0;
    source.connect(node);
    node.connect(mute);
    mute.connect(ctx.destination);
    return new MicCapture(ctx, stream, node, onlevel);
  }

  private onChunk(data: Float32Array): void {
    if (this.closed) return;
    const copy = new Float32Array(data);
    this.chunks.push(copy);
    this.length += copy.length;
    this.lastChunkAt = performance.now();
    const f = Meyda.extract(['rms', 'loudness', 'spectralCentroid'], copy) as {
      rms: number;
      loudness: { total: number };
      spectralCentroid: number;
    } | null;
    if (!f) return;
    // meyda's centroid is a bin index of a CHUNK-point spectrum.
    const centroidHz = Number.isFinite(f.spectralCentroid)
      ? (f.spectralCentroid * this.sampleRate) / CHUNK
      : 0;
    this.onlevel({
      dbfs: 20 * Math.log10(Math.max(f.rms, 1e-9)),
      loudness: f.loudness.total,
      centroidHz,
      seconds: this.seconds,
    });
  }

  /** Seconds captured so far. */
  get seconds(): number {
    return this.length / this.sampleRate;
  }

  /** The most recent `seconds` of audio (fewer when less has been captured). */
  recent(seconds: number): Float32Array {
    const want = Math.min(this.length, Math.round(seconds * this.sampleRate));
    const out = new Float32Array(want);
    let at = want;
    for (let i = this.chunks.length - 1; i >= 0 && at > 0; i--) {
      const c = this.chunks[i]!;
      const take = Math.min(at, c.length);
      out.set(c.subarray(c.length - take), at - take);
      at -= take;
    }
    return out;
  }

  /** Stop capturing and release the microphone; returns everything captured. */
  async close(): Promise<Float32Array> {
    if (!this.closed) {
      this.closed = true;
      this.node.onaudioprocess = null;
      this.node.disconnect();
      for (const t of this.stream.getTracks()) t.stop();
      await this.ctx.close().catch(() => undefined);
    }
    const all = new Float32Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    return all;
  }
}

Meyda.bufferSize = CHUNK;
