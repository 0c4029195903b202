import { describe, expect, it } from 'vitest';
import { median, pairedShortfall } from './figures.js';

describe("the benches' figures", () => {
  it('takes the middle value, or the mean of the two middle ones, whatever the order', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no values/);
  });

  it("gives the log's cost as the median of each round's pair, not as a share of two medians", () => {
    // Round by round the log costs 10%, 10% and 16%; the machine ran at half speed in the second.
    const info = [9_000, 4_500, 8_000];
    const warn = [10_000, 5_000, 9_500];
    const { median: share, perRound } = pairedShortfall(info, warn);
    expect(perRound.map((s) => Math.round(s * 100))).toEqual([10, 10, 16]);
    expect(share).toBeCloseTo(0.1);
    // The medians of each side (8,000 and 9,500) come from different rounds: they would say 16%.
    expect(1 - median(info) / median(warn)).toBeCloseTo(0.158, 3);
    expect(() => pairedShortfall([1, 2], [1])).toThrow(/as many rounds/);
  });
});
