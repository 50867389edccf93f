/** The WAV writer lives in src/shared (the renderer encodes microphone recordings with it too). */
export { encodeWav } from '../../shared/wav-encode.js';
