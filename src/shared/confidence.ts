/**
 * When a prediction is called uncertain: one rule for the engine, the CLI and the renderer.
 *
 * The probabilities a saved model answers are scaled by a calibrator fitted on held-out speakers'
 * clips (src/main/training/temperature.ts), so a top probability p means "right about p of the
 * time" on voices the model never heard. Below one half the top label is more likely wrong than
 * right: the UI and `ser infer` then say "uncertain" and show the two likeliest emotions instead
 * of a confident label. The benchmark (bench:accuracy) reports how many unheard clips fall below
 * it and how accurate the rest are.
 */

/** A prediction whose top probability is below this is uncertain. */
export const UNCERTAIN_BELOW = 0.5;

/** The top probability of a prediction's probabilities (0 for none). */
export function topProbability(probabilities: Record<string, number>): number {
  let top = 0;
  for (const v of Object.values(probabilities)) if (v > top) top = v;
  return top;
}

/** Whether a prediction with these probabilities is uncertain (UNCERTAIN_BELOW). */
export function isUncertain(probabilities: Record<string, number>): boolean {
  return topProbability(probabilities) < UNCERTAIN_BELOW;
}
