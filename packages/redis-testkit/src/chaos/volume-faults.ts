/** Volume faults on a stopped pod's data dir (its PersistentVolume). */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/** The dataset: the AOF dir and files, RDB snapshots. nodes.conf and other state stay. */
export function loseDataFiles(dataDir: string): string[] {
  const gone: string[] = [];
  for (const n of safeList(dataDir)) {
    if (/^appendonly/.test(n) || /\.rdb$/.test(n) || /\.aof$/.test(n)) {
      rmSync(path.join(dataDir, n), { recursive: true, force: true });
      gone.push(n);
    }
  }
  return gone;
}

/** Redis Cluster's nodes.conf (the node's identity and its view of the cluster). */
export function loseNodesConf(dataDir: string): string[] {
  const gone = safeList(dataDir).filter((n) => n === 'nodes.conf' || n.startsWith('nodes.conf'));
  for (const n of gone) rmSync(path.join(dataDir, n), { force: true });
  return gone;
}

/** Everything: the volume is replaced by an empty one. */
export function loseVolume(dataDir: string): string[] {
  const gone = safeList(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  return gone;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
