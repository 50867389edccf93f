/** Balanced class weights, as sklearn's compute_class_weight('balanced'): n / (k * count_c). */
export function balancedClassWeights(labels: ArrayLike<number>, k: number): Float32Array {
  const counts = new Float64Array(k);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]! += 1;
  const present = counts.reduce((s, c) => s + (c > 0 ? 1 : 0), 0);
  // Classes absent from training get weight 0: no example will ever use it.
  return Float32Array.from(counts, (c) => (c > 0 ? labels.length / (present * c) : 0));
}
