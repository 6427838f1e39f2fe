/**
 * What a history is made of: its parameters (chart values, key distribution) and its faults, in
 * order. Plain data, so a history prints, compares and replays exactly.
 */

/** Every fault the campaign can inject. A chart adapter declares which of them apply to it. */
export const FAULT_KINDS = [
  /** SIGKILL a pod; it comes back (pod recreated) on a fresh IP with its volume. */
  'kill-new-ip',
  /** SIGKILL a pod; it comes back on its own IP (the address was free again). */
  'kill-own-ip',
  /** SIGKILL two pods; the first comes back on the second's old IP, the second on a fresh one. */
  'kill-reuse-ip',
  /** Container restart within the node timeout: same pod, same IP, DNS kept, emptyDirs kept. */
  'quick-restart',
  /** Pod stopped, its data files (AOF dir, RDB) deleted, then recreated on a fresh IP. */
  'lose-data-files',
  /** Pod stopped, its nodes.conf deleted (Redis Cluster), then recreated on a fresh IP. */
  'lose-nodes-conf',
  /** Pod stopped, its whole volume emptied, then recreated on a fresh IP. */
  'lose-volume',
  /** A pod recreated on a fresh IP whose DNS record appears only dnsDelayMs after start. */
  'late-dns',
  /** Every Sentinel deleted at once: their runtime emptyDirs are wiped, fresh IPs. */
  'wipe-sentinels',
  /** A hook Job (bootstrap / scale) SIGKILLed mid-run, then run again to success. */
  'kill-job',
  /** Every data pod deleted at once, restarted with staggered starts on fresh IPs. */
  'full-restart',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** Which pod a fault hits: resolved at run time from the live roles (logged), e.g. "the master of group 1". */
export interface PodTarget {
  readonly role: 'master' | 'replica';
  /** Data group: a shard of Redis Cluster, the one master set of Sentinel. */
  readonly group: number;
}

export interface Operation {
  readonly index: number;
  readonly kind: FaultKind;
  /** Quiet time (writes go on) before the fault starts. */
  readonly gapMs: number;
  readonly target?: PodTarget;
  /** kill-reuse-ip: the second pod (its old IP is reused by the first). */
  readonly second?: PodTarget;
  /** How long the killed pod(s) stay down before they start again. */
  readonly downMs: number;
  /** Late DNS for the restarted pod(s) (late-dns; 0 otherwise). */
  readonly dnsDelayMs: number;
  /** kill-job: which Job, and how long after its start it is killed. */
  readonly job?: 'bootstrap' | 'scale';
  readonly killAfterMs?: number;
  /** full-restart: start delay per pod, by ordinal; wipe-sentinels / full-restart: Sentinels too. */
  readonly staggerMs?: readonly number[];
  readonly sentinelsToo?: boolean;
}

export type KeySkew = 'uniform' | 'hot-tag' | 'few-tags';

export interface HistoryParams {
  /** persistence.enabled + AOF + RDB; off: a deleted pod's volume is an emptyDir that dies with it. */
  readonly persistence: boolean;
  /** cluster-node-timeout (Redis Cluster) / down-after-milliseconds (Sentinel). */
  readonly nodeTimeoutMs: number;
  readonly skew: KeySkew;
}

export interface History {
  readonly chart: string;
  readonly seed: number;
  readonly params: HistoryParams;
  readonly operations: readonly Operation[];
}

/** One line per operation, e.g. "#2 kill-new-ip master/g1 down 4200ms". */
export function operationText(op: Operation): string {
  const t = (x?: PodTarget) => (x ? `${x.role}/g${x.group}` : '');
  const parts = [`#${op.index} ${op.kind}`];
  if (op.target) parts.push(t(op.target));
  if (op.second) parts.push(`+ ${t(op.second)}`);
  if (op.job) parts.push(`${op.job} job killed after ${op.killAfterMs}ms`);
  if (op.kind !== 'kill-job' && op.kind !== 'wipe-sentinels') parts.push(`down ${op.downMs}ms`);
  if (op.dnsDelayMs > 0) parts.push(`dns +${op.dnsDelayMs}ms`);
  if (op.staggerMs) parts.push(`stagger [${op.staggerMs.join(',')}]ms`);
  if (op.sentinelsToo) parts.push('sentinels too');
  return `${parts.join(' ')} (after ${op.gapMs}ms quiet)`;
}

export function historyText(h: History): string {
  const p = h.params;
  return [
    `history seed ${h.seed} (${h.chart}): persistence ${p.persistence ? 'on' : 'off'}, node timeout ${p.nodeTimeoutMs}ms, keys ${p.skew}`,
    ...h.operations.map((o) => `  ${operationText(o)}`),
  ].join('\n');
}
