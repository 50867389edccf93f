/**
 * Leading and trailing silence removal, as librosa.effects.trim does it: frames (centred, zero
 * padded, frame_length samples every hop) whose mean square is within `topDb` of the loudest
 * frame's are speech; the clip keeps the samples from the first such frame's start to the last
 * one's end. Pooled statistics of a clip (the MLP's input) otherwise average its silence in with
 * its speech, and how much silence surrounds an utterance is a property of the recording (a
 * corpus's editing, a push-to-talk button), not of the emotion.
 */

/** librosa.power_to_db's amin: powers below it count as it. */
const AMIN = 1e-10;

/**
 * [start, end) sample range librosa.effects.trim(y, top_db, frame_length, hop_length) keeps.
 * A clip with no frame above the floor (digital silence) is kept whole: the speech check, not the
 * trim, refuses silence.
 */
export function trimRange(
  y: Float32Array,
  topDb: number,
  frameLength: number,
  hop: number,
): [number, number] {
  const n = y.length;
  const half = Math.floor(frameLength / 2);
  const frames = 1 + Math.floor((n + 2 * half - frameLength) / hop);
  if (n === 0 || frames < 1) return [0, n];
  // Prefix sums of squares make each frame's mean square O(1); float64 keeps them exact enough.
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + y[i]! * y[i]!;
  const ms = new Float64Array(frames);
  let top = 0;
  for (let t = 0; t < frames; t++) {
    const lo = Math.max(0, t * hop - half);
    const hi = Math.min(n, t * hop - half + frameLength);
    ms[t] = hi > lo ? (prefix[hi]! - prefix[lo]!) / frameLength : 0;
    if (ms[t]! > top) top = ms[t]!;
  }
  const floor = Math.max(AMIN, top) * 10 ** (-topDb / 10);
  let first = -1;
  let last = -1;
  for (let t = 0; t < frames; t++) {
    if (Math.max(AMIN, ms[t]!) > floor) {
      if (first < 0) first = t;
      last = t;
    }
  }
  if (first < 0) return [0, n];
  return [first * hop, Math.min(n, (last + 1) * hop)];
}

/** `y` without its leading and trailing silence (a view, not a copy); see trimRange. */
export function trimSilence(y: Float32Array, topDb: number, frameLength: number, hop: number): Float32Array {
  const [start, end] = trimRange(y, topDb, frameLength, hop);
  return start === 0 && end === y.length ? y : y.subarray(start, end);
}
