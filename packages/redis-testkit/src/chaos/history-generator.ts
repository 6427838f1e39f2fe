/**
 * Seeded history generation. A history is a pure function of (seed, spec): the same seed gives
 * the same parameters and the same operations, so any failing history replays exactly. The fault
 * model is enforced here: a history never destroys the last copy of acknowledged data.
 */
import { Rng } from './prng.ts';
import type { FaultKind, History, HistoryParams, KeySkew, Operation, PodTarget } from './operation.ts';

export interface GeneratorSpec {
  readonly chart: string;
  /** Data groups (shards; 1 for a Sentinel master set) and the pods (copies) in each. */
  readonly groups: number;
  readonly groupSize: number;
  /** Data pods in total, by ordinal (for full-restart staggering). */
  readonly podCount: number;
  /** The faults this chart supports. */
  readonly kinds: readonly FaultKind[];
  /** Relative weights; a kind missing here weighs 1. */
  readonly weights?: Partial<Record<FaultKind, number>>;
  /** Faults per history, inclusive. */
  readonly faults: readonly [number, number];
  /** Upper bound of late DNS (up to 120 s in long runs; bounded runs use less). */
  readonly maxDnsDelayMs: number;
  /** @default [3000, 5000] */
  readonly nodeTimeouts?: readonly number[];
  /** Hook Jobs the chart has, for kill-job. @default [] */
  readonly jobs?: ReadonlyArray<'bootstrap' | 'scale'>;
  /** Force persistence on/off instead of drawing it. */
  readonly persistence?: boolean;
}

const SKEWS: readonly KeySkew[] = ['uniform', 'hot-tag', 'few-tags'];

/**
 * Why `op` would break the fault model under `params` (it could destroy the last copy of
 * acknowledged data), or undefined when it is allowed. Faults run one at a time against a
 * deployment that has recovered (every copy re-synced) from the previous one.
 */
export function faultModelViolation(op: Operation, params: HistoryParams, spec: GeneratorSpec): string | undefined {
  if (!spec.kinds.includes(op.kind)) return `${op.kind} does not apply to ${spec.chart}`;
  const needsTarget = !['wipe-sentinels', 'kill-job', 'full-restart'].includes(op.kind);
  if (needsTarget && !op.target) return `${op.kind} needs a target pod`;
  if (op.target && (op.target.group < 0 || op.target.group >= spec.groups)) return `group ${op.target.group} does not exist`;
  if (!params.persistence) {
    if (op.kind === 'full-restart') return 'persistence off: deleting every data pod at once loses every copy';
    if (op.kind === 'lose-data-files' || op.kind === 'lose-nodes-conf' || op.kind === 'lose-volume') return `persistence off: ${op.kind} needs a PersistentVolume`;
  }
  if (op.kind === 'kill-reuse-ip') {
    const a = op.target;
    const b = op.second;
    if (!a || !b) return 'kill-reuse-ip needs two targets';
    if (b.group < 0 || b.group >= spec.groups) return `group ${b.group} does not exist`;
    if (a.group === b.group) {
      if (a.role === b.role && (a.role === 'master' || spec.groupSize < 3)) return 'kill-reuse-ip: both targets may resolve to the same pod';
      if (spec.groupSize < 3 && a.role === b.role) return 'kill-reuse-ip: same pod twice';
      // Two pods of one group deleted together: with persistence off, one copy must stay up.
      if (!params.persistence && spec.groupSize <= 2) return 'persistence off: kill-reuse-ip would delete every copy of a group';
    }
  }
  if (op.kind === 'late-dns' && op.dnsDelayMs > spec.maxDnsDelayMs) return `dnsDelayMs ${op.dnsDelayMs} above the bound ${spec.maxDnsDelayMs}`;
  return undefined;
}

function drawTarget(rng: Rng, spec: GeneratorSpec): PodTarget {
  return { role: rng.chance(0.6) ? 'master' : 'replica', group: rng.int(0, spec.groups - 1) };
}

function drawOperation(rng: Rng, index: number, kind: FaultKind, params: HistoryParams, spec: GeneratorSpec): Operation {
  const nt = params.nodeTimeoutMs;
  const gapMs = rng.int(500, 3000);
  const base = { index, kind, gapMs, dnsDelayMs: 0 };
  switch (kind) {
    case 'kill-new-ip':
    case 'kill-own-ip':
      return { ...base, target: drawTarget(rng, spec), downMs: rng.int(200, 2 * nt) };
    case 'kill-reuse-ip':
      return { ...base, target: drawTarget(rng, spec), second: drawTarget(rng, spec), downMs: rng.int(200, 2 * nt) };
    case 'quick-restart':
      return { ...base, target: drawTarget(rng, spec), downMs: rng.int(100, Math.floor(nt / 2)) };
    case 'lose-data-files':
    case 'lose-nodes-conf':
    case 'lose-volume':
      return { ...base, target: drawTarget(rng, spec), downMs: rng.int(200, 1500) };
    case 'late-dns':
      return { ...base, target: drawTarget(rng, spec), downMs: rng.int(200, 1000), dnsDelayMs: rng.int(Math.min(1000, spec.maxDnsDelayMs), spec.maxDnsDelayMs) };
    case 'wipe-sentinels':
      return { ...base, downMs: rng.int(200, 2000) };
    case 'kill-job':
      return { ...base, downMs: 0, job: rng.pick(spec.jobs ?? ['bootstrap']), killAfterMs: rng.int(50, 2500) };
    case 'full-restart':
      return {
        ...base,
        downMs: rng.int(500, 3000),
        staggerMs: Array.from({ length: spec.podCount }, () => rng.int(0, 2 * nt)),
        sentinelsToo: spec.kinds.includes('wipe-sentinels') ? rng.chance(0.5) : undefined,
      };
  }
}

/** The history of `seed` for `spec`: parameters, then the faults in order, all within the fault model. */
export function generateHistory(seed: number, spec: GeneratorSpec): History {
  const rng = new Rng(seed);
  const params: HistoryParams = {
    persistence: spec.persistence ?? rng.chance(0.6),
    nodeTimeoutMs: rng.pick(spec.nodeTimeouts ?? [3000, 5000]),
    skew: rng.pick(SKEWS),
  };
  const count = rng.int(spec.faults[0], spec.faults[1]);
  const operations: Operation[] = [];
  for (let i = 1; i <= count; i++) {
    const allowed = spec.kinds.filter((k) => params.persistence || !['full-restart', 'lose-data-files', 'lose-nodes-conf', 'lose-volume'].includes(k));
    for (let attempt = 0; ; attempt++) {
      const kind = rng.weighted(allowed.map((k) => [k, spec.weights?.[k] ?? 1] as const));
      const op = drawOperation(rng, i, kind, params, spec);
      if (!faultModelViolation(op, params, spec)) {
        operations.push(op);
        break;
      }
      if (attempt > 100) throw new Error(`generateHistory(${seed}): no operation within the fault model after 100 draws`);
    }
  }
  return { chart: spec.chart, seed: seed >>> 0, params, operations };
}

/** The history seeds of a campaign: drawn from the campaign seed, so `--seed` replays the same histories in the same order. */
export function* historySeeds(campaignSeed: number): Generator<number> {
  const rng = new Rng(campaignSeed);
  for (;;) yield rng.nextUint32();
}
