/** The model engine: backend choice, portable layers, the models, presets and model folders. */
export { tf } from './tf.js';
export { initBackend, backendInfo, BACKEND_ORDER, type BackendInfo, type BackendAttempt } from './backend.js';
export { buildModel, modelInput, framesAfterPooling, type ModelInputShape } from './build.js';
export { MODEL_PRESETS, MLP_BASELINE, type ModelPreset, type PresetName } from './presets.js';
export {
  saveModelFolder,
  loadModelFolder,
  loadModelParts,
  parseModelMeta,
  MODEL_FORMAT_VERSION,
  MODEL_FILES,
  type ModelMeta,
} from './folder.js';
export { SerConv1D, SerTimeMaxPool, SerLSTM, SerBatchNorm, SerDense, SerDropout } from './layers.js';
export { opTimings, type OpTiming } from './custom-op.js';
