import { isIp, podsById, readViews, type PodView, type ViewOptions } from './cluster-view.ts';
import { missingSlots, rangesText, type ClusterNodeLine } from './cluster-topology.ts';
import { waitFor } from './wait-for.ts';
import type { Pod } from './pod.ts';

export interface HealthOptions extends ViewOptions {
  /** Maps a hostname endpoint in CLUSTER SLOTS (cluster-preferred-endpoint-type hostname) to an IP, e.g. sandbox.resolve. */
  readonly resolveHost?: (host: string) => string | undefined;
  /** Masters that own no slots are a problem unless allowed. @default false */
  readonly allowEmptyMasters?: boolean;
}

export interface NodeReport {
  readonly pod: string;
  readonly ip: string;
  readonly reachable: boolean;
  readonly nodeId?: string;
  readonly role?: 'master' | 'replica' | 'unknown';
  /** For a replica: its master's pod name (or the node ID when no pod has it). */
  readonly master?: string;
  /** Owned slots, e.g. "0-5460". */
  readonly slots?: string;
  readonly clusterState?: string;
  readonly knownNodes?: number;
  readonly masterLinkStatus?: string;
}

export interface HealthReport {
  readonly healthy: boolean;
  /** Human-readable, one per finding, naming the pod, the node and what is wrong. */
  readonly problems: readonly string[];
  readonly nodes: readonly NodeReport[];
  /** One line: roles and slots, e.g. "rc-0 master 0-5460 | rc-3 -> rc-0 | ...". */
  readonly summary: string;
}

const BAD_FLAGS = ['fail', 'fail?', 'noaddr', 'handshake'];

/**
 * The full health definition of a Redis Cluster, checked on every pod:
 * cluster_state:ok; no fail / fail? / noaddr / handshake flags; its own address is its current
 * IP; it knows every other pod's node at that pod's current address (and no other node);
 * CLUSTER SLOTS lists only live pod addresses and covers all 16384 slots; every replica has
 * master_link_status:up towards its master's current IP; masters own slots; every pod sees the
 * same slot map. Returns every problem found, not only the first.
 */
export async function clusterHealth(pods: readonly Pod[], options: HealthOptions = {}): Promise<HealthReport> {
  const views = await readViews(pods, options);
  const byId = podsById(views);
  const problems: string[] = [];
  const live = new Map(pods.filter((p) => p.running).map((p) => [p.address, p]));
  const label = (n: ClusterNodeLine): string => `${byId.get(n.id)?.name ?? 'unknown node'} (${n.id.slice(0, 8)})`;
  const slotMaps = new Map<string, string[]>();

  for (const v of views) {
    const p = v.pod;
    const where = `${p.name} (${p.ip})`;
    if (v.error || !v.info || !v.nodes || !v.slots || !v.replication) {
      problems.push(`${where}: unreachable: ${v.error ?? 'incomplete reply'}`);
      continue;
    }
    if (v.info.cluster_state !== 'ok')
      problems.push(
        `${where}: cluster_state:${v.info.cluster_state ?? '?'} (slots ok ${v.info.cluster_slots_ok ?? '?'}, pfail ${v.info.cluster_slots_pfail ?? '?'}, fail ${v.info.cluster_slots_fail ?? '?'})`,
      );
    const me = v.myself;
    if (!me) {
      problems.push(`${where}: CLUSTER NODES has no myself line`);
      continue;
    }
    if (me.ip !== p.ip || me.port !== p.port) problems.push(`${where}: its own address in the cluster is ${me.ip || '<none>'}:${me.port}, not its current IP ${p.ip}:${p.port}`);
    if (v.nodes.length !== pods.length) problems.push(`${where}: knows ${v.nodes.length} node(s), expected ${pods.length}`);
    for (const n of v.nodes) {
      const bad = n.flags.filter((f) => BAD_FLAGS.includes(f));
      if (bad.length > 0) problems.push(`${where}: sees ${n.myself ? 'itself' : label(n)} at ${n.address} flagged ${bad.join(',')}`);
      if (n.myself) continue;
      const owner = byId.get(n.id);
      if (!owner) problems.push(`${where}: knows node ${n.id.slice(0, 8)} at ${n.address}, which is no pod's node`);
      else if (!owner.running) problems.push(`${where}: knows ${label(n)} at ${n.address}, but ${owner.name} is not running`);
      else if (n.ip !== owner.ip || n.port !== owner.port) problems.push(`${where}: knows ${label(n)} at ${n.ip || '<noaddr>'}:${n.port}, but ${owner.name} is at ${owner.address}`);
    }
    // CLUSTER SLOTS: only live addresses, full coverage.
    const covered: Array<[number, number]> = [];
    const map: string[] = [];
    for (const r of v.slots) {
      covered.push([r.from, r.to]);
      map.push(`${r.from}-${r.to}:${r.master.id}`);
      for (const ep of [r.master, ...r.replicas]) {
        const host = ep.metadata.ip ?? ep.endpoint;
        const ip = isIp(host) ? host : (options.resolveHost?.(host) ?? host);
        if (!live.has(`${ip}:${ep.port}`))
          problems.push(`${where}: CLUSTER SLOTS lists ${ep.endpoint}:${ep.port}${ip !== ep.endpoint ? ` (${ip})` : ''} for slots ${r.from}-${r.to}, which is no live pod address`);
      }
    }
    const missing = missingSlots(covered);
    if (missing.length > 0) {
      const n = missing.reduce((s, [a, b]) => s + b - a + 1, 0);
      problems.push(`${where}: CLUSTER SLOTS covers ${16384 - n}/16384 slots; missing ${rangesText(missing)}`);
    }
    map.sort();
    const key = map.join(' ');
    slotMaps.set(key, [...(slotMaps.get(key) ?? []), p.name]);
    // Role checks.
    if (me.role === 'replica') {
      const master = byId.get(me.masterId);
      const link = v.replication.master_link_status ?? '?';
      if (!master) problems.push(`${where}: replicates node ${me.masterId.slice(0, 8)}, which is no pod's node`);
      if (v.replication.role !== 'slave') problems.push(`${where}: CLUSTER NODES says replica, INFO replication says role:${v.replication.role ?? '?'}`);
      if (link !== 'up') problems.push(`${where}: replica of ${master?.name ?? me.masterId.slice(0, 8)}: master_link_status:${link} (master_host ${v.replication.master_host ?? '?'})`);
      if (master && v.replication.master_host !== master.ip)
        problems.push(`${where}: replicates from ${v.replication.master_host ?? '?'}:${v.replication.master_port ?? '?'}, but its master ${master.name} is at ${master.address}`);
    } else if (me.role === 'master') {
      if (me.slots.length === 0 && !options.allowEmptyMasters) problems.push(`${where}: master without slots`);
    } else {
      problems.push(`${where}: neither master nor replica (flags ${me.flags.join(',')})`);
    }
  }
  if (slotMaps.size > 1) {
    const groups = [...slotMaps.values()].map((names) => names.join(','));
    problems.push(`the pods disagree on the slot map: ${slotMaps.size} different views (${groups.map((g) => `[${g}]`).join(' vs ')})`);
  }

  const nodes = views.map((v) => nodeReport(v, byId));
  return { healthy: problems.length === 0, problems, nodes, summary: summarize(nodes) };
}

function nodeReport(v: PodView, byId: Map<string, Pod>): NodeReport {
  const me = v.myself;
  return {
    pod: v.pod.name,
    ip: v.pod.ip,
    reachable: !v.error,
    nodeId: me?.id,
    role: me?.role,
    master: me && me.role === 'replica' ? (byId.get(me.masterId)?.name ?? me.masterId) : undefined,
    slots: me ? rangesText(me.slots) : undefined,
    clusterState: v.info?.cluster_state,
    knownNodes: v.info?.cluster_known_nodes !== undefined ? Number(v.info.cluster_known_nodes) : undefined,
    masterLinkStatus: v.replication?.master_link_status,
  };
}

function summarize(nodes: readonly NodeReport[]): string {
  return nodes
    .map((n) => {
      if (!n.reachable) return `${n.pod} unreachable`;
      if (n.role === 'master') return `${n.pod} master ${n.slots || '(no slots)'}`;
      if (n.role === 'replica') return `${n.pod} -> ${n.master}`;
      return `${n.pod} ?`;
    })
    .join(' | ');
}

export interface WaitHealthyOptions extends HealthOptions {
  /** Generous upper bound; the error lists the last problems and every pod's last log lines. @default 60000 */
  readonly timeoutMs?: number;
  /** @default 250 */
  readonly intervalMs?: number;
  /** Log lines per pod in the timeout message. @default 15 */
  readonly logLines?: number;
}

/** Polls clusterHealth until healthy. Returns the healthy report and how long it took. */
export async function waitHealthy(pods: readonly Pod[], timeoutOrOptions: number | WaitHealthyOptions = {}): Promise<{ report: HealthReport; elapsedMs: number }> {
  const options = typeof timeoutOrOptions === 'number' ? { timeoutMs: timeoutOrOptions } : timeoutOrOptions;
  const r = await waitFor(
    `a healthy cluster of ${pods.length} pods (${pods.map((p) => p.name).join(', ')})`,
    async () => {
      const report = await clusterHealth(pods, options);
      return { done: report.healthy, state: `${report.summary}\n${report.problems.join('\n')}`, value: report };
    },
    { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: options.intervalMs ?? 250, context: () => pods.map((p) => p.describe(options.logLines ?? 15)).join('\n') },
  );
  return { report: r.value!, elapsedMs: r.elapsedMs };
}
