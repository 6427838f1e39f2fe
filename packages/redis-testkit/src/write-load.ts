import type { ClusterClient } from './cluster-client.ts';

export interface WriteLoadOptions {
  readonly client: ClusterClient;
  /** Keys are `<keysPrefix>:<sequence>`. */
  readonly keysPrefix: string;
  readonly ratePerSec: number;
  /** Stops by itself after this long; without it, runs until stop(). */
  readonly durationMs?: number;
  /** Writes in flight at once; a tick that finds this many pending is counted as skipped. @default 32 */
  readonly maxInFlight?: number;
  /**
   * Acknowledge a write only once this many replicas confirmed it (WAIT); 0: the master's OK is
   * enough. WAIT blocks its connection: while a shard has too few replicas, its writes queue up
   * and fail (WAIT timeout, then the command timeout). @default 0
   */
  readonly waitReplicas?: number;
  /** @default 1000 */
  readonly waitTimeoutMs?: number;
}

export interface AckedWrite {
  readonly key: string;
  readonly value: string;
  readonly startedAt: number;
  readonly endedAt: number;
}

export interface FailedWrite extends AckedWrite {
  readonly error: string;
}

/** From the start of the first failed write to the end of the last one. */
export interface FailureWindow {
  readonly from: number;
  readonly to: number;
  readonly durationMs: number;
}

export interface WriteLoadReport {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly attempted: number;
  readonly acknowledged: readonly AckedWrite[];
  readonly failed: readonly FailedWrite[];
  /** Ticks dropped because maxInFlight writes were pending. */
  readonly skipped: number;
  /** Undefined when no write failed. Writes to unaffected shards go on succeeding inside it. */
  readonly failureWindow: FailureWindow | undefined;
  /** Failed writes by error message, addresses replaced by <addr>. */
  readonly errorCounts: Readonly<Record<string, number>>;
}

/** A running write load; see startWriteLoad. */
export interface WriteLoad {
  /** Stops issuing writes, waits for the ones in flight, returns the report. */
  stop(): Promise<WriteLoadReport>;
  /** Resolves when the load ended (durationMs elapsed or stop()). */
  readonly done: Promise<WriteLoadReport>;
  /** The report so far. */
  snapshot(): WriteLoadReport;
}

/** key -> value of every acknowledged write. */
export function acknowledgedMap(report: WriteLoadReport): Map<string, string> {
  return new Map(report.acknowledged.map((w) => [w.key, w.value]));
}

function failureWindowOf(failed: readonly FailedWrite[]): FailureWindow | undefined {
  if (failed.length === 0) return undefined;
  const from = Math.min(...failed.map((f) => f.startedAt));
  const to = Math.max(...failed.map((f) => f.endedAt));
  return { from, to, durationMs: to - from };
}

function errorCountsOf(failed: readonly FailedWrite[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of failed) {
    const k = f.error.replace(/\d+\.\d+\.\d+\.\d+:\d+/g, '<addr>');
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** "692 acknowledged, 296 failed within 8123ms (270x <addr>: connect ECONNREFUSED <addr>, ...)" */
export function writeLoadText(r: WriteLoadReport): string {
  const errors = Object.entries(r.errorCounts)
    .sort((a, b) => b[1] - a[1])
    .map(([e, n]) => `${n}x ${e}`)
    .join('; ');
  const window = r.failureWindow ? ` within a ${r.failureWindow.durationMs}ms window (${errors})` : '';
  return `${r.acknowledged.length} acknowledged, ${r.failed.length} failed${window}${r.skipped ? `, ${r.skipped} skipped (too many in flight)` : ''} over ${r.endedAt - r.startedAt}ms`;
}

/**
 * Writes `<prefix>:<n>` = `v<n>@<ms>` at a fixed rate through a cluster client, and records
 * every acknowledged and every failed write with timestamps: the input for "acknowledged writes
 * survive" and "writes that failed during a failover / rolling restart" figures.
 */
export function startWriteLoad(options: WriteLoadOptions): WriteLoad {
  const maxInFlight = options.maxInFlight ?? 32;
  const startedAt = Date.now();
  const acknowledged: AckedWrite[] = [];
  const failed: FailedWrite[] = [];
  const inFlight = new Set<Promise<void>>();
  let issued = 0;
  let skipped = 0;
  let stopped = false;
  let endedAt = 0;
  let resolveDone!: (r: WriteLoadReport) => void;
  const done = new Promise<WriteLoadReport>((r) => {
    resolveDone = r;
  });

  const snapshot = (): WriteLoadReport => ({
    startedAt,
    endedAt: endedAt || Date.now(),
    attempted: acknowledged.length + failed.length + inFlight.size,
    acknowledged: [...acknowledged],
    failed: [...failed],
    skipped,
    failureWindow: failureWindowOf(failed),
    errorCounts: errorCountsOf(failed),
  });

  const writeOne = (seq: number): void => {
    const key = `${options.keysPrefix}:${seq}`;
    const t0 = Date.now();
    const value = `v${seq}@${t0}`;
    const waitReplicas = options.waitReplicas ?? 0;
    const p = options.client
      .set(key, value, waitReplicas > 0 ? { waitReplicas: { count: waitReplicas, timeoutMs: options.waitTimeoutMs ?? 1000 } } : {})
      .then(
        (reply) => {
          if (reply === 'OK') acknowledged.push({ key, value, startedAt: t0, endedAt: Date.now() });
          else failed.push({ key, value, startedAt: t0, endedAt: Date.now(), error: `unexpected reply ${JSON.stringify(reply)}` });
        },
        (e: Error) => {
          failed.push({ key, value, startedAt: t0, endedAt: Date.now(), error: e.message });
        },
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  const finish = async (): Promise<WriteLoadReport> => {
    if (!stopped) {
      stopped = true;
      clearInterval(timer);
    }
    while (inFlight.size > 0) await Promise.all([...inFlight]);
    if (!endedAt) endedAt = Date.now();
    const r = snapshot();
    resolveDone(r);
    return r;
  };

  const timer = setInterval(() => {
    if (stopped) return;
    const now = Date.now();
    if (options.durationMs !== undefined && now - startedAt >= options.durationMs) {
      void finish();
      return;
    }
    const due = Math.floor(((now - startedAt) * options.ratePerSec) / 1000);
    while (issued < due) {
      issued += 1;
      if (inFlight.size >= maxInFlight) skipped += 1;
      else writeOne(issued);
    }
  }, 5);

  return { stop: finish, done, snapshot };
}
