/** The clips behind a number: a confusion cell's, or a speaker's (run page, folder evaluation). */
import type { ClipResult } from '../../../shared/clips.js';

export type Drill = { kind: 'cell'; i: number; j: number } | { kind: 'speaker'; speaker: string };

export function drillClips(
  clips: readonly ClipResult[],
  labels: readonly string[],
  drill: Drill,
  onlyMistakes: boolean,
): { title: string; clips: ClipResult[] } {
  if (drill.kind === 'cell') {
    const t = labels[drill.i]!;
    const p = labels[drill.j]!;
    const cell = clips.filter((c) => c.label === t && c.predicted === p);
    return {
      title: `True ${t}, predicted ${p}: ${cell.length} clip${cell.length === 1 ? '' : 's'}`,
      clips: cell,
    };
  }
  const s = drill.speaker;
  const all = clips.filter((c) => (c.speaker ?? '(none)') === s);
  const wrong = all.filter((c) => c.label !== c.predicted);
  return {
    title: `Speaker ${s}: ${all.length - wrong.length} of ${all.length} right`,
    clips: onlyMistakes ? wrong : all,
  };
}
