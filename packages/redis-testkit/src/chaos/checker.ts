/**
 * The verdict of one history, from what was observed. Pure: unit-tested without Redis.
 *   (a) no WAIT-acknowledged write is lost (plain acknowledged writes lost are counted only);
 *   (b) never two writable masters for the same slots / master set at any sample;
 *   (c) after the faults: healthy (full definition, every WAIT-acked key present) within the
 *       bound, or the documented `not ready: waiting safely:` state; never healthy with data
 *       missing unless a data-loss.log line records it (and WAIT-acked losses fail regardless);
 *   (d) no temp files left in any data dir.
 */
import type { History } from './operation.ts';
import type { Violation } from './sampler.ts';

export type Outcome = 'healthy' | 'waiting-safely' | 'unhealthy';

export interface HistoryEvidence {
  readonly history: History;
  readonly outcome: Outcome;
  /** The last health problems (outcome unhealthy). */
  readonly problems: readonly string[];
  readonly waitingSafely: readonly string[];
  readonly splitBrain: readonly Violation[];
  /** Split-brain samples taken, and the largest gap between two of them (reported, not judged). */
  readonly samples?: number;
  readonly samplerMaxGapMs?: number;
  readonly waitAcked: number;
  readonly plainAcked: number;
  /** Keys of WAIT-acked / plain acked writes missing (or changed) at the end. */
  readonly waitLost: readonly string[];
  readonly plainLost: readonly string[];
  /** WAIT-acked keys that could not be read on a deployment that reported healthy. */
  readonly unreadable: readonly string[];
  /** Every readiness probe passed at the final check. */
  readonly allReady: boolean;
  readonly dataLossLines: readonly string[];
  readonly tempFiles: readonly string[];
  /** Operations the chart's own scripts/Jobs could not complete (e.g. a rerun Job that failed). */
  readonly errors: readonly string[];
}

export interface Verdict {
  readonly pass: boolean;
  readonly outcome: Outcome;
  /** Why it failed (empty when it passed). */
  readonly reasons: readonly string[];
  /** Facts worth printing either way (plain writes lost, waiting safely). */
  readonly notes: readonly string[];
}

const eg = (xs: readonly string[], n = 3) => xs.slice(0, n).join(', ') + (xs.length > n ? ', ...' : '');

export function judge(e: HistoryEvidence): Verdict {
  const reasons: string[] = [];
  const notes: string[] = [];
  if (e.splitBrain.length > 0) {
    const first = e.splitBrain[0]!;
    reasons.push(`(b) two writable masters in ${e.splitBrain.length} sample(s); first: ${first.text}`);
  }
  if (e.waitLost.length > 0) {
    const recorded = e.dataLossLines.length > 0 ? `data-loss.log says: ${e.dataLossLines[0]}` : 'no DATA LOSS recorded';
    reasons.push(`(a) ${e.waitLost.length}/${e.waitAcked} WAIT-acknowledged writes lost (${eg(e.waitLost)}); ${recorded}`);
  }
  if (e.outcome === 'healthy' && e.allReady && e.waitLost.length > 0 && e.dataLossLines.length === 0) {
    reasons.push('(c) every readiness probe passes while acknowledged keys are missing and no data-loss.log line was recorded');
  }
  if (e.outcome === 'healthy' && e.unreadable.length > 0) reasons.push(`(c) healthy, but ${e.unreadable.length} WAIT-acknowledged keys are unreadable (${eg(e.unreadable)})`);
  if (e.outcome === 'unhealthy') reasons.push(`(c) not healthy within the bound and not waiting safely: ${eg(e.problems, 4)}`);
  if (e.tempFiles.length > 0) reasons.push(`(d) temp files left in data dirs: ${eg(e.tempFiles, 5)}`);
  for (const x of e.errors) reasons.push(`operation failed: ${x}`);
  if (e.plainLost.length > 0) notes.push(`${e.plainLost.length}/${e.plainAcked} plain acknowledged writes lost (failover windows)`);
  if (e.outcome === 'waiting-safely') notes.push(`ended waiting safely: ${eg(e.waitingSafely, 2)}`);
  if (e.dataLossLines.length > 0) notes.push(`DATA LOSS recorded: ${eg(e.dataLossLines, 2)}`);
  return { pass: reasons.length === 0, outcome: e.outcome, reasons, notes };
}
