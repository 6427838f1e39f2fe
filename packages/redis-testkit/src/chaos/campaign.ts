/**
 * A campaign: histories one after another (fixed seeds, or drawn from a campaign seed until a
 * deadline), each judged; counts and recovery figures over all of them.
 */
import type { ChaosTargetFactory } from './chaos-target.ts';
import { generateHistory, historySeeds, type GeneratorSpec } from './history-generator.ts';
import { runHistory, type HistoryResult, type RunHistoryOptions } from './history-runner.ts';
import { FAULT_KINDS, type FaultKind } from './operation.ts';
import { recoveryStats, recoveryTable, type KindStats } from './recovery-stats.ts';

export interface CampaignOptions extends RunHistoryOptions {
  readonly factory: ChaosTargetFactory;
  readonly spec: GeneratorSpec;
  /** Exactly these history seeds... */
  readonly seeds?: readonly number[];
  /** ...or histories drawn from this campaign seed until the deadline (a history started before it runs to its end). */
  readonly campaignSeed?: number;
  readonly deadline?: number;
  /** Stop at the first failing history. @default false */
  readonly stopOnFailure?: boolean;
  /** Histories run side by side (each in its own sandbox and loopback /24). @default 1 */
  readonly concurrency?: number;
  /** A line per history start/end. */
  readonly progress?: (line: string) => void;
}

export interface CampaignSummary {
  readonly chart: string;
  readonly histories: number;
  readonly passed: number;
  readonly failed: number;
  readonly waitingSafely: number;
  readonly faults: Readonly<Partial<Record<FaultKind, number>>>;
  readonly waitAcked: number;
  readonly plainAcked: number;
  readonly waitLost: number;
  readonly plainLost: number;
  readonly splitBrainSamples: number;
  readonly samples: number;
  readonly samplerMaxGapMs: number;
  readonly recovery: readonly KindStats[];
  readonly results: readonly HistoryResult[];
  readonly durationMs: number;
}

export function summarize(chart: string, results: readonly HistoryResult[], durationMs: number): CampaignSummary {
  const faults: Partial<Record<FaultKind, number>> = {};
  for (const r of results) for (const s of r.recoveries) faults[s.kind] = (faults[s.kind] ?? 0) + 1;
  const sum = (f: (r: HistoryResult) => number) => results.reduce((s, r) => s + f(r), 0);
  return {
    chart,
    histories: results.length,
    passed: results.filter((r) => r.verdict.pass).length,
    failed: results.filter((r) => !r.verdict.pass).length,
    waitingSafely: results.filter((r) => r.verdict.outcome === 'waiting-safely').length,
    faults,
    waitAcked: sum((r) => r.evidence.waitAcked),
    plainAcked: sum((r) => r.evidence.plainAcked),
    waitLost: sum((r) => r.evidence.waitLost.length),
    plainLost: sum((r) => r.evidence.plainLost.length),
    splitBrainSamples: sum((r) => r.evidence.splitBrain.length),
    samples: sum((r) => r.evidence.samples ?? 0),
    samplerMaxGapMs: Math.max(0, ...results.map((r) => r.evidence.samplerMaxGapMs ?? 0)),
    recovery: recoveryStats(results.flatMap((r) => r.recoveries)),
    results,
    durationMs,
  };
}

export function summaryText(s: CampaignSummary): string {
  const verdicts = s.results.map(
    (r) =>
      `  seed ${String(r.history.seed).padEnd(10)} ${r.verdict.pass ? 'PASS' : 'FAIL'} ${r.verdict.outcome.padEnd(14)} ${r.recoveries.length} fault(s) ${(r.durationMs / 1000).toFixed(0)} s${r.verdict.reasons.length ? `: ${r.verdict.reasons[0]!.slice(0, 160)}` : ''}`,
  );
  const faultList = FAULT_KINDS.filter((k) => s.faults[k])
    .map((k) => `${k} ${s.faults[k]}`)
    .join(', ');
  return [
    `chaos campaign ${s.chart}: ${s.histories} histories in ${(s.durationMs / 1000).toFixed(0)} s: ${s.passed} passed (${s.waitingSafely} ended waiting safely), ${s.failed} failed`,
    ...verdicts,
    `faults injected: ${faultList || 'none'} (total ${Object.values(s.faults).reduce((a, b) => a + (b ?? 0), 0)})`,
    `writes: ${s.waitAcked} WAIT-acknowledged, ${s.waitLost} of them lost; ${s.plainAcked} plain acknowledged, ${s.plainLost} of them lost`,
    `split brain: ${s.splitBrainSamples} of ${s.samples} samples saw two writable masters (one sample every 100 ms; largest gap between samples ${s.samplerMaxGapMs} ms)`,
    'recovery time (fault end -> healthy), per fault type:',
    recoveryTable(s.recovery).replace(/^/gm, '  '),
  ].join('\n');
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignSummary> {
  const t0 = Date.now();
  const results: Array<HistoryResult | undefined> = [];
  const say = o.progress ?? (() => undefined);
  const seeds: Iterator<number> = (o.seeds ?? historySeeds(o.campaignSeed ?? 0))[Symbol.iterator]();
  let stop = false;
  let started = 0;
  // Each worker takes the next seed in order, so the set of histories is the same for any concurrency.
  const worker = async () => {
    for (;;) {
      if (stop || (!o.seeds && o.deadline !== undefined && Date.now() >= o.deadline)) return;
      const next = seeds.next();
      if (next.done) return;
      const seed = next.value;
      const n = ++started;
      const history = generateHistory(seed, o.spec);
      say(`history ${n}: seed ${seed}, ${history.operations.length} fault(s): ${history.operations.map((x) => x.kind).join(', ')}`);
      const r = await runHistory(o.factory, history, o);
      results[n - 1] = r;
      say(
        `history ${n}: seed ${seed} ${r.verdict.pass ? 'PASS' : 'FAIL'} (${r.verdict.outcome}) in ${(r.durationMs / 1000).toFixed(0)} s${r.verdict.reasons.length ? `: ${r.verdict.reasons.join(' | ')}` : ''}${r.verdict.notes.length ? ` [${r.verdict.notes.join(' | ')}]` : ''}`,
      );
      if (!r.verdict.pass && o.stopOnFailure) stop = true;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 1) }, worker));
  return summarize(
    o.spec.chart,
    results.filter((r): r is HistoryResult => r !== undefined),
    Date.now() - t0,
  );
}
