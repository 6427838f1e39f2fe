import { checkSlotLayout, evenSlotSplit, formatSlotRanges, parseSlotRanges, SLOT_COUNT } from '../src/index.ts';

describe('slots', () => {
  it('splits evenly like redis-cli --cluster create', () => {
    // `redis-cli --cluster create` with 3 masters assigns 0-5460 / 5461-10922 / 10923-16383.
    expect(evenSlotSplit(3).map((r) => formatSlotRanges([r]))).toEqual(['0-5460', '5461-10922', '10923-16383']);
  });

  it.each([3, 4, 5, 7, 10, 33, 100])('an even split over %i masters covers every slot exactly once', (n) => {
    const split = evenSlotSplit(n);
    expect(split).toHaveLength(n);
    expect(checkSlotLayout(split.map((r) => formatSlotRanges([r])))).toEqual([]);
    const sizes = split.map((r) => r.end - r.start + 1);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(SLOT_COUNT);
  });

  it('accepts multi-range entries', () => {
    expect(parseSlotRanges('0-99,200-300,5')).toEqual([
      { start: 0, end: 99 },
      { start: 200, end: 300 },
      { start: 5, end: 5 },
    ]);
    expect(checkSlotLayout(['0-99,200-5000', '100-199,5001-10000', '10001-16383'])).toEqual([]);
  });

  it('rejects reversed and out-of-range entries', () => {
    expect(checkSlotLayout(['5000-0', '5001-16383']).map((p) => p.message)[0]).toMatch(/reversed/);
    expect(checkSlotLayout(['0-16384'])[0]!.message).toMatch(/past the last slot 16383/);
  });
});
