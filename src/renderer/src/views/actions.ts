/** API actions shared by several views (only views call the API). */
import type { ModelInfo } from '../../../shared/contract.js';
import { api } from '../lib/api/index.js';
import { appState, DEFAULT_MODEL, type SelectedModel } from '../lib/state.svelte.js';

/** Classify with this model from now on, and remember it across sessions. */
export async function useModel(model: ModelInfo | SelectedModel): Promise<void> {
  appState.selectModel(model);
  await api.call('settings.set', { modelRunId: model.id === 'default' ? null : model.id });
}

/** The saved choice, falling back to the bundled model when that run is gone. */
export async function restoreModel(): Promise<ModelInfo[]> {
  const [settings, models] = await Promise.all([api.call('settings.get'), api.call('models.list')]);
  const wanted = settings.modelRunId ?? 'default';
  const found = models.find((m) => m.id === wanted) ?? models.find((m) => m.id === 'default');
  appState.selectModel(found ?? DEFAULT_MODEL);
  return models;
}
