/** What the app remembers between sessions (persisted as JSON beside the database). */
export interface Settings {
  /** The dataset folder last scanned, offered again by the training wizard. */
  lastDatasetFolder: string | null;
  /** The window size at last close (Electron). */
  window: { width: number; height: number } | null;
  /** The run whose model classifies; null means the bundled default model. */
  modelRunId: string | null;
}

export const DEFAULT_SETTINGS: Settings = {
  lastDatasetFolder: null,
  window: null,
  modelRunId: null,
};
