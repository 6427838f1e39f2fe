/**
 * The faults that hit pods the same way in every chart (kills on a new, the own or another pod's IP,
 * late DNS, container restarts, lost files or volumes), written once over the four things a chart
 * adapter knows how to do to its pods. A chart's apply() calls this first and handles only its own
 * kinds (Jobs, Sentinels, full restarts) when it returns undefined.
 */
import type { Pod } from '../pod.ts';
import type { OperationLog } from './operation-log.ts';
import type { Operation, PodTarget } from './operation.ts';
import { loseDataFiles, loseNodesConf, loseVolume } from './volume-faults.ts';

export interface PodOps {
  /** The pod a role target names now ("master of group 1"), never one of `exclude`. */
  resolve(target: PodTarget, exclude?: readonly Pod[]): Promise<Pod>;
  /** SIGKILL; `keepDns`: a container restart, the pod keeps its IP and DNS record. */
  down(pod: Pod, keepDns?: boolean): Promise<void>;
  /** The pod object is gone: its emptyDirs die with it (and its volume without persistence). */
  deleted(pod: Pod): void;
  /** Starts the pod's container: on a fresh IP (true), its own (false) or the given one. */
  start(pod: Pod, newIp: boolean | string, dnsDelayMs?: number): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Applies a pod fault; resolves with the time it ended, or undefined when `op` is not a pod fault. */
export async function applyPodFault(op: Operation, ops: PodOps, log: OperationLog): Promise<number | undefined> {
  switch (op.kind) {
    case 'kill-new-ip':
    case 'kill-own-ip':
    case 'late-dns': {
      const pod = await ops.resolve(op.target!);
      await ops.down(pod);
      await sleep(op.downMs);
      ops.deleted(pod);
      await ops.start(pod, op.kind !== 'kill-own-ip', op.dnsDelayMs);
      return Date.now();
    }
    case 'kill-reuse-ip': {
      const a = await ops.resolve(op.target!);
      const b = await ops.resolve(op.second!, [a]);
      await Promise.all([ops.down(a), ops.down(b)]);
      const ipOfB = b.ip;
      await sleep(op.downMs);
      ops.deleted(a);
      ops.deleted(b);
      await ops.start(a, ipOfB);
      await ops.start(b, true);
      return Date.now();
    }
    case 'quick-restart': {
      const pod = await ops.resolve(op.target!);
      await ops.down(pod, true);
      await sleep(op.downMs);
      await ops.start(pod, false); // a container restart keeps the pod's IP and its emptyDirs
      return Date.now();
    }
    case 'lose-data-files':
    case 'lose-nodes-conf':
    case 'lose-volume': {
      const pod = await ops.resolve(op.target!);
      await ops.down(pod);
      const gone = op.kind === 'lose-data-files' ? loseDataFiles(pod.dataDir) : op.kind === 'lose-nodes-conf' ? loseNodesConf(pod.dataDir) : loseVolume(pod.dataDir);
      log.add(`${pod.name}: removed ${gone.join(', ') || '(nothing there)'}`);
      await sleep(op.downMs);
      ops.deleted(pod);
      await ops.start(pod, true);
      return Date.now();
    }
    default:
      return undefined;
  }
}
