/** Campaign figures: faults per type, recovery time (fault end -> healthy) max and median per type. */
import type { FaultKind } from './operation.ts';

export interface RecoverySample {
  readonly kind: FaultKind;
  /** Undefined when the deployment did not get healthy (waiting safely, or a failure). */
  readonly recoveryMs: number | undefined;
}

export interface KindStats {
  readonly kind: FaultKind;
  readonly injected: number;
  readonly recovered: number;
  readonly medianMs: number | undefined;
  readonly maxMs: number | undefined;
}

export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
}

export function recoveryStats(samples: readonly RecoverySample[]): KindStats[] {
  const kinds = [...new Set(samples.map((s) => s.kind))].sort();
  return kinds.map((kind) => {
    const mine = samples.filter((s) => s.kind === kind);
    const times = mine.map((s) => s.recoveryMs).filter((x): x is number => x !== undefined);
    return { kind, injected: mine.length, recovered: times.length, medianMs: median(times), maxMs: times.length ? Math.max(...times) : undefined };
  });
}

const sec = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

/** A fixed-width table, one row per fault type. */
export function recoveryTable(stats: readonly KindStats[]): string {
  const rows = [['fault', 'injected', 'recovered', 'median', 'max'], ...stats.map((s) => [s.kind, String(s.injected), String(s.recovered), sec(s.medianMs), sec(s.maxMs)])];
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n');
}
