// The arithmetic of the benches' figures, kept apart so that it is tested (figures.test.ts).

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('the median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * What the first of two rates loses against the second, `1 − a/b`, per round and as the median of
 * the rounds: each pair was measured seconds apart, so the machine's drift between rounds, which
 * moves both of a pair alike, does not move the figure as it would a share of two medians.
 */
export function pairedShortfall(rates: readonly number[], references: readonly number[]): { median: number; perRound: number[] } {
  if (rates.length === 0 || rates.length !== references.length) throw new Error(`pairs need as many rounds on each side (${rates.length} and ${references.length})`);
  const perRound = rates.map((rate, k) => 1 - rate / references[k]!);
  return { median: median(perRound), perRound };
}
