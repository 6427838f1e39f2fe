import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseClusterNodes, parseClusterSlots, type ClusterNodeLine, type SlotRange } from './cluster-topology.ts';
import { asText, parseInfo, RespConnection } from './resp-connection.ts';
import type { Pod } from './pod.ts';

export interface ViewOptions {
  /** Overrides each pod's own password. */
  readonly password?: string;
  /** Per command. @default 2000 */
  readonly timeoutMs?: number;
}

/** What one pod reports about the cluster, read in one pipelined round trip. */
export interface PodView {
  readonly pod: Pod;
  readonly error?: string;
  readonly info?: Record<string, string>;
  readonly nodes?: ClusterNodeLine[];
  readonly slots?: SlotRange[];
  readonly replication?: Record<string, string>;
  readonly myself?: ClusterNodeLine;
}

export async function readView(pod: Pod, options: ViewOptions = {}): Promise<PodView> {
  if (!pod.running) return { pod, error: 'not running' };
  let conn: RespConnection | undefined;
  try {
    conn = await RespConnection.open(pod.connection({ password: options.password ?? pod.password, connectTimeoutMs: options.timeoutMs ?? 2000, commandTimeoutMs: options.timeoutMs ?? 2000 }));
    const [info, nodes, slots, repl] = await Promise.all([conn.call('CLUSTER', 'INFO'), conn.call('CLUSTER', 'NODES'), conn.call('CLUSTER', 'SLOTS'), conn.call('INFO', 'replication')]);
    const parsedNodes = parseClusterNodes(asText(nodes, 'CLUSTER NODES'));
    const me = parsedNodes.find((n) => n.myself);
    if (me) lastNodeId.set(pod, me.id);
    return {
      pod,
      info: parseInfo(asText(info, 'CLUSTER INFO')),
      nodes: parsedNodes,
      slots: parseClusterSlots(slots),
      replication: parseInfo(asText(repl, 'INFO replication')),
      myself: parsedNodes.find((n) => n.myself),
    };
  } catch (e) {
    return { pod, error: (e as Error).message };
  } finally {
    conn?.close();
  }
}

export function readViews(pods: readonly Pod[], options: ViewOptions = {}): Promise<PodView[]> {
  return Promise.all(pods.map((p) => readView(p, options)));
}

/** The node ID each pod last reported, so a pod that is down can still be named. */
const lastNodeId = new WeakMap<Pod, string>();

/** A stopped pod's node ID: the last one it reported, else the `myself` line of <dataDir>/nodes.conf. */
export function knownNodeId(pod: Pod): string | undefined {
  const cached = lastNodeId.get(pod);
  if (cached) return cached;
  try {
    return parseClusterNodes(readFileSync(path.join(pod.dataDir, 'nodes.conf'), 'utf8')).find((n) => n.myself)?.id;
  } catch {
    return undefined;
  }
}

/** node ID -> pod, from each pod's own `myself` line (or its last known ID when it is down). */
export function podsById(views: readonly PodView[]): Map<string, Pod> {
  const m = new Map<string, Pod>();
  for (const v of views) {
    const id = v.myself?.id ?? knownNodeId(v.pod);
    if (id) m.set(id, v.pod);
  }
  return m;
}

export const isIp = (s: string): boolean => net.isIP(s) !== 0;
