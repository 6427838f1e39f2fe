/**
 * The campaign's client load: unique keys written at a steady rate through a chart-specific
 * write function, every acknowledged and failed write recorded. One writer acknowledges only
 * after WAIT <replicas>; a second one takes the master's plain OK.
 */
import type { KeySkew } from './operation.ts';

/** SET key value, then (waitReplicas > 0) WAIT on the same connection; resolves only when acknowledged. */
export type WriteFn = (key: string, value: string, waitReplicas: number) => Promise<void>;

export interface ChaosWriterOptions {
  readonly write: WriteFn;
  /** e.g. 'w' (WAIT-acked) or 'p' (plain). */
  readonly prefix: string;
  readonly waitReplicas: number;
  readonly skew: KeySkew;
  readonly ratePerSec: number;
  /** @default 8 */
  readonly maxInFlight?: number;
}

export interface ChaosWriterReport {
  readonly prefix: string;
  readonly waitReplicas: number;
  readonly attempted: number;
  /** key -> value of every acknowledged write. */
  readonly acknowledged: ReadonlyMap<string, string>;
  /** key -> acknowledgement time. */
  readonly ackedAt: ReadonlyMap<string, number>;
  readonly failed: number;
}

/**
 * The key of write `seq` under a distribution: uniform spreads over every slot; hot-tag sends
 * four writes in five to one hash tag (one slot, one shard); few-tags uses three hash tags.
 */
export function keyFor(prefix: string, seq: number, skew: KeySkew): string {
  if (skew === 'hot-tag') return seq % 5 === 0 ? `${prefix}:${seq}` : `${prefix}:{hot}:${seq}`;
  if (skew === 'few-tags') return `${prefix}:{t${seq % 3}}:${seq}`;
  return `${prefix}:${seq}`;
}

export interface ChaosWriter {
  stop(): Promise<ChaosWriterReport>;
  snapshot(): ChaosWriterReport;
}

export function startChaosWriter(o: ChaosWriterOptions): ChaosWriter {
  const acknowledged = new Map<string, string>();
  const ackedAt = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  const maxInFlight = o.maxInFlight ?? 8;
  let seq = 0;
  let scheduled = 0;
  let failed = 0;
  let stopped = false;
  const started = Date.now();
  const snapshot = (): ChaosWriterReport => ({ prefix: o.prefix, waitReplicas: o.waitReplicas, attempted: seq, acknowledged: new Map(acknowledged), ackedAt: new Map(ackedAt), failed });
  const timer = setInterval(() => {
    if (stopped) return;
    const due = Math.floor(((Date.now() - started) * o.ratePerSec) / 1000);
    while (scheduled < due) {
      scheduled += 1;
      // Ticks that find the pipe full are dropped, not queued: an outage must not build a backlog.
      if (inFlight.size >= maxInFlight) continue;
      seq += 1;
      const key = keyFor(o.prefix, seq, o.skew);
      const value = `v${seq}@${Date.now()}`;
      const p = o
        .write(key, value, o.waitReplicas)
        .then(
          () => {
            acknowledged.set(key, value);
            ackedAt.set(key, Date.now());
          },
          () => {
            failed += 1;
          },
        )
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }, 10);
  return {
    snapshot,
    async stop() {
      stopped = true;
      clearInterval(timer);
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      return snapshot();
    },
  };
}
