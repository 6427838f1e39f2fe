/**
 * Runs one history against a chart adapter: install, a WAIT-acked and a plain writer, the
 * split-brain sampler, each fault followed by a bounded wait for recovery, then the final checks
 * and the verdict. The target is always cleaned up.
 */
import { startChaosWriter, type ChaosWriterReport } from './chaos-writer.ts';
import type { ChaosTarget, ChaosTargetFactory, HealthObservation } from './chaos-target.ts';
import { judge, type HistoryEvidence, type Outcome, type Verdict } from './checker.ts';
import { OperationLog } from './operation-log.ts';
import { historyText, operationText, type History } from './operation.ts';
import type { RecoverySample } from './recovery-stats.ts';
import { startSampler, type Sampler, type SamplerReport } from './sampler.ts';
import { findTempFiles } from './temp-files.ts';

export interface RunHistoryOptions {
  /** Bound for recovery after each fault, on top of the fault's DNS delay. @default 120000 */
  readonly recoveryBoundMs?: number;
  /** Writes per second of each writer. @default 40 */
  readonly ratePerSec?: number;
  /** Each log line as it happens (progress). */
  readonly echo?: (line: string) => void;
}

export interface HistoryResult {
  readonly history: History;
  readonly verdict: Verdict;
  readonly evidence: HistoryEvidence;
  readonly recoveries: readonly RecoverySample[];
  readonly log: string;
  /** Offending state (failing histories only). */
  readonly state: string;
  readonly durationMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls health until healthy or the bound ends; the last observation says whether it was waiting safely. */
async function awaitRecovery(target: ChaosTarget, boundMs: number): Promise<{ obs: HealthObservation; healthyAt?: number }> {
  const deadline = Date.now() + boundMs;
  let obs: HealthObservation = { healthy: false, problems: ['(not observed)'], waitingSafely: [], allReady: false };
  for (;;) {
    try {
      obs = await target.health();
    } catch (e) {
      obs = { healthy: false, problems: [`health check failed: ${(e as Error).message}`], waitingSafely: [], allReady: false };
    }
    if (obs.healthy) return { obs, healthyAt: Date.now() };
    if (Date.now() >= deadline) return { obs };
    await sleep(500);
  }
}

export async function runHistory(factory: ChaosTargetFactory, history: History, options: RunHistoryOptions = {}): Promise<HistoryResult> {
  const t0 = Date.now();
  const log = new OperationLog(options.echo, t0);
  const bound = options.recoveryBoundMs ?? 120_000;
  const recoveries: RecoverySample[] = [];
  const errors: string[] = [];
  let outcome: Outcome = 'healthy';
  let last: HealthObservation = { healthy: false, problems: [], waitingSafely: [], allReady: false };
  log.add(historyText(history));
  const target = await factory(history);
  let state = '';
  let wait: ChaosWriterReport | undefined;
  let plain: ChaosWriterReport | undefined;
  let sampler: Sampler | undefined;
  try {
    await target.install(log);
    // Sampling starts once the deployment is installed and healthy (the bootstrap is not judged here).
    sampler = startSampler(
      () => target.sample(),
      100,
      (v) => log.add(`SPLIT BRAIN: ${v.text}`, v.at),
    );
    log.add('installed and healthy; writers start');
    const rate = options.ratePerSec ?? 40;
    const w = startChaosWriter({ write: target.write, prefix: 'w', waitReplicas: target.waitReplicas, skew: history.params.skew, ratePerSec: rate, maxInFlight: target.maxInFlight });
    const p = startChaosWriter({ write: target.write, prefix: 'p', waitReplicas: 0, skew: history.params.skew, ratePerSec: rate, maxInFlight: target.maxInFlight });
    try {
      for (const op of history.operations) {
        await sleep(op.gapMs);
        log.add(`fault ${operationText(op)}: begin`);
        let endedAt: number;
        try {
          endedAt = await target.apply(op, log);
        } catch (e) {
          errors.push(`${operationText(op)}: ${(e as Error).message}`);
          log.add(`fault #${op.index} could not be completed: ${(e as Error).message.split('\n')[0]}`);
          recoveries.push({ kind: op.kind, recoveryMs: undefined });
          outcome = 'unhealthy';
          break;
        }
        log.add(`fault #${op.index} ended; waiting for recovery (bound ${Math.round((bound + op.dnsDelayMs) / 1000)} s)`, endedAt);
        const r = await awaitRecovery(target, bound + op.dnsDelayMs);
        last = r.obs;
        if (r.healthyAt !== undefined) {
          recoveries.push({ kind: op.kind, recoveryMs: r.healthyAt - endedAt });
          log.add(
            `fault #${op.index} recovered: healthy ${r.healthyAt - endedAt} ms after the fault ended (${w.snapshot().acknowledged.size} WAIT-acked, ${p.snapshot().acknowledged.size} plain acked so far)`,
          );
          // Attribution: which fault lost acknowledged data (the verdict comes from the final read).
          const snap = w.snapshot();
          const acked = new Map([...snap.acknowledged].filter(([k]) => (snap.ackedAt.get(k) ?? 0) < r.healthyAt!));
          const k = await target.checkKeys(acked).catch(() => undefined);
          if (k && k.missing.length > 0) log.add(`after fault #${op.index}: ${k.missing.length}/${acked.size} WAIT-acked keys MISSING (e.g. ${k.missing.slice(0, 3).join(', ')})`);
          continue;
        }
        recoveries.push({ kind: op.kind, recoveryMs: undefined });
        outcome = r.obs.waitingSafely.length > 0 ? 'waiting-safely' : 'unhealthy';
        log.add(
          `fault #${op.index}: ${outcome === 'waiting-safely' ? 'WAITING SAFELY' : 'NOT HEALTHY'} after the bound: ${(outcome === 'waiting-safely' ? r.obs.waitingSafely : r.obs.problems).slice(0, 4).join(' | ')}`,
        );
        const left = history.operations.length - op.index;
        if (left > 0) log.add(`history ends here: ${left} fault(s) not injected`);
        break;
      }
      await sleep(1000);
    } finally {
      wait = await w.stop();
      plain = await p.stop();
    }
    log.add(`writers stopped: WAIT-acked ${wait.acknowledged.size}/${wait.attempted}, plain acked ${plain.acknowledged.size}/${plain.attempted}`);
  } catch (e) {
    errors.push(`harness: ${(e as Error).message}`);
    log.add(`harness error: ${(e as Error).message.split('\n')[0]}`);
    outcome = 'unhealthy';
  }
  const split: SamplerReport = sampler ? await sampler.stop() : { samples: 0, violations: [], maxGapMs: 0 };
  log.add(`split-brain sampler: ${split.samples} samples, largest gap ${split.maxGapMs} ms, ${split.violations.length} violation(s)`);

  // Final checks.
  let waitLost: string[] = [];
  let plainLost: string[] = [];
  let unreadable: string[] = [];
  if (outcome === 'healthy') {
    const r = await awaitRecovery(target, bound);
    last = r.obs;
    if (!r.healthyAt) outcome = r.obs.waitingSafely.length > 0 ? 'waiting-safely' : 'unhealthy';
  }
  if (wait && plain && outcome === 'healthy') {
    const a = await target.checkKeys(wait.acknowledged);
    waitLost = [...a.missing];
    unreadable = [...a.unreadable];
    const b = await target.checkKeys(plain.acknowledged);
    plainLost = [...b.missing];
    log.add(
      `final read: ${wait.acknowledged.size - waitLost.length}/${wait.acknowledged.size} WAIT-acked and ${plain.acknowledged.size - plainLost.length}/${plain.acknowledged.size} plain acked keys present${unreadable.length ? `, ${unreadable.length} unreadable` : ''}`,
    );
  }
  const evidence: HistoryEvidence = {
    history,
    outcome,
    problems: last.problems,
    waitingSafely: last.waitingSafely,
    splitBrain: split.violations,
    samples: split.samples,
    samplerMaxGapMs: split.maxGapMs,
    waitAcked: wait?.acknowledged.size ?? 0,
    plainAcked: plain?.acknowledged.size ?? 0,
    waitLost,
    plainLost,
    unreadable,
    allReady: last.allReady,
    dataLossLines: target.dataLossLines(),
    tempFiles: findTempFiles(target.dataDirs()),
    errors,
  };
  const verdict = judge(evidence);
  log.add(`verdict: ${verdict.pass ? 'PASS' : 'FAIL'} (${verdict.outcome})${[...verdict.reasons, ...verdict.notes].map((x) => `\n  - ${x}`).join('')}`);
  if (!verdict.pass) {
    try {
      state = await target.describe();
    } catch (e) {
      state = `(state unavailable: ${(e as Error).message})`;
    }
  }
  await target.cleanup();
  return { history, verdict, evidence, recoveries, log: log.text(), state, durationMs: Date.now() - t0 };
}

/** Everything needed to understand and replay a failing history. */
export function failureReport(r: HistoryResult, replay: string): string {
  return [
    `FAILING HISTORY seed ${r.history.seed} (${r.history.chart}); replay: ${replay}`,
    ...r.verdict.reasons.map((x) => `  - ${x}`),
    '--- operation log ---',
    r.log,
    '--- offending state ---',
    r.state,
  ].join('\n');
}
