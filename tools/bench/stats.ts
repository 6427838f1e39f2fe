/** Small helpers for figures: medians of noisy runs and fixed-width formatting. */

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** `12.3 s (11.9–13.0)`: the median and the range of the runs. */
export function secondsRange(ms: readonly number[]): string {
  if (ms.length === 0) return 'n/a';
  const s = (x: number) => (x / 1000).toFixed(1);
  return ms.length === 1 ? `${s(ms[0]!)} s` : `${s(median(ms))} s (${s(Math.min(...ms))}–${s(Math.max(...ms))})`;
}

export const mib = (kb: number | undefined): string => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MiB`);

/** A Markdown table (the bench's stdout is the results section of docs/benchmarks.md, see doc-region.ts). */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
