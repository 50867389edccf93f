/**
 * Light or dark: follow the system (prefers-color-scheme) unless the user picked one with the
 * header's toggle; the choice persists in localStorage. The CSS variables in styles/app.css do
 * the work; canvas-drawn things (waveforms, the dataset map) read `cssVar` and redraw when
 * `theme.dark` changes.
 */
export type ThemeMode = 'system' | 'light' | 'dark';

const KEY = 'ser-studio.theme';
const MODES: ThemeMode[] = ['system', 'light', 'dark'];

function storedMode(): ThemeMode {
  try {
    const v = localStorage.getItem(KEY);
    return MODES.includes(v as ThemeMode) ? (v as ThemeMode) : 'system';
  } catch {
    return 'system';
  }
}

const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;

class Theme {
  mode = $state<ThemeMode>(storedMode());
  systemDark = $state(media?.matches ?? false);
  readonly dark = $derived(this.mode === 'dark' || (this.mode === 'system' && this.systemDark));

  constructor() {
    media?.addEventListener('change', (e) => {
      this.systemDark = e.matches;
      this.apply();
    });
    this.apply();
  }

  set(mode: ThemeMode): void {
    this.mode = mode;
    try {
      if (mode === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, mode);
    } catch {
      // Storage unavailable (private window): the choice lasts this session only.
    }
    this.apply();
  }

  /** System -> light -> dark -> system. */
  cycle(): void {
    this.set(MODES[(MODES.indexOf(this.mode) + 1) % MODES.length]!);
  }

  private apply(): void {
    if (typeof document === 'undefined') return;
    // Always the resolved theme (system included), so app.css holds the dark palette once.
    document.documentElement.dataset['theme'] = this.dark ? 'dark' : 'light';
  }
}

export const theme = new Theme();

/** A CSS variable's current value (for canvas drawing); `fallback` when unset. */
export function cssVar(name: string, fallback: string): string {
  if (typeof document === 'undefined') return fallback;
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}
