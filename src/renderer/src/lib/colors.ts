/** Colours: one fixed hue per emotion (so a label looks the same on every chart) and two scales. */

const EMOTION_COLORS: Record<string, string> = {
  neutral: '#7b8794',
  calm: '#2a9d8f',
  happy: '#d9a21b',
  sad: '#3a6ea5',
  angry: '#c8553d',
  fearful: '#7e57c2',
  disgust: '#5e8c31',
  surprised: '#e07a2f',
};

const FALLBACK = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#ff9da6', '#9d755d'];

export function labelColor(label: string, index = 0): string {
  return EMOTION_COLORS[label] ?? FALLBACK[index % FALLBACK.length] ?? '#4c78a8';
}

/** Distinct colours for series that are not emotions (runs in a comparison). */
export const SERIES_COLORS = [
  '#2f6fde',
  '#d9480f',
  '#2b8a3e',
  '#9c36b5',
  '#c2255c',
  '#0b7285',
  '#5c940d',
  '#862e9c',
];

export function seriesColor(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length] ?? '#2f6fde';
}

type RGB = [number, number, number];

// Viridis at 9 stops; perceptually uniform and readable in grey, the usual choice for spectra.
const VIRIDIS: RGB[] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

function interpolate(stops: RGB[], t: number): RGB {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i] ?? [0, 0, 0];
  const b = stops[i + 1] ?? a;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** 256-entry viridis lookup table, RGB bytes. */
export function viridisTable(): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = interpolate(VIRIDIS, i / 255);
    lut[i * 3] = r;
    lut[i * 3 + 1] = g;
    lut[i * 3 + 2] = b;
  }
  return lut;
}

export function viridisCss(t: number): string {
  const [r, g, b] = interpolate(VIRIDIS, t);
  return `rgb(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)})`;
}

const BLUES: RGB[] = [
  [255, 255, 255],
  [222, 235, 247],
  [158, 202, 225],
  [66, 146, 198],
  [8, 81, 156],
];

/** Sequential white-to-blue for a value in [0, 1], and whether text on it should be white. */
export function blues(t: number): { background: string; dark: boolean } {
  const [r, g, b] = interpolate(BLUES, t);
  const luminance = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
  return { background: `rgb(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)})`, dark: luminance < 0.55 };
}
