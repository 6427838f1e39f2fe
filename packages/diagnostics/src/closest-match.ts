/** Suggests the closest known name for a misspelt one (optimal string alignment distance). */

export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate closest to `name` (case-insensitive) when it is a likely typo: within a small edit
 * distance, or else an abbreviation of it (`prod` -> `production`).
 */
export function closestMatch(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  const scored = [...candidates].map((c) => ({ c, d: editDistance(lower, c.toLowerCase()) })).sort((a, b) => a.d - b.d);
  const limit = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  if (scored[0] && scored[0].d <= limit) return scored[0].c;
  if (lower.length < 3) return undefined;
  return scored.find(({ c }) => c.toLowerCase().startsWith(lower))?.c;
}
