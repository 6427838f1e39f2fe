import { randomBytes } from 'node:crypto';
import { ClusterClient } from './cluster-client.ts';
import type { Pod } from './pod.ts';
import { waitReplicasCaughtUp } from './replicas-caught-up.ts';

export interface KeysReport {
  readonly ok: boolean;
  readonly checked: number;
  readonly missing: readonly string[];
  readonly wrong: ReadonlyArray<{ readonly key: string; readonly expected: string; readonly actual: string }>;
  readonly errors: ReadonlyArray<{ readonly key: string; readonly error: string }>;
  /** "2000/2000 keys present" or "1990/2000 present; 10 missing (e.g. k:1, ...)". */
  readonly summary: string;
}

/** `count` keys `<prefix>:<i>:<random>` with distinct values; random names spread over all slots. */
export function makeKeySet(prefix: string, count: number): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < count; i++) m.set(`${prefix}:${i}:${randomBytes(4).toString('hex')}`, `value-${i}-${randomBytes(6).toString('hex')}`);
  return m;
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  const worker = async () => {
    while (i < items.length) await fn(items[i++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function clientFor(target: readonly Pod[] | ClusterClient): { client: ClusterClient; own: boolean } {
  return target instanceof ClusterClient ? { client: target, own: false } : { client: ClusterClient.forPods(target), own: true };
}

/** SETs every key (following redirections); throws listing the failures. */
export async function writeKeys(target: readonly Pod[] | ClusterClient, keys: ReadonlyMap<string, string>, concurrency = 64): Promise<void> {
  const { client, own } = clientFor(target);
  const failures: string[] = [];
  try {
    await forEachLimited([...keys], concurrency, async ([k, v]) => {
      try {
        const r = await client.set(k, v);
        if (r !== 'OK') failures.push(`${k}: ${JSON.stringify(r)}`);
      } catch (e) {
        failures.push(`${k}: ${(e as Error).message}`);
      }
    });
  } finally {
    if (own) client.close();
  }
  if (failures.length > 0) throw new Error(`writeKeys: ${failures.length}/${keys.size} writes failed, e.g.\n${failures.slice(0, 5).join('\n')}`);
  // Written means on every replica too: tests kill masters right after writing.
  if (Array.isArray(target)) await waitReplicasCaughtUp(target as readonly Pod[]);
}

/** GETs every expected key through the cluster and compares values. */
export async function keysPresent(target: readonly Pod[] | ClusterClient, expected: ReadonlyMap<string, string> | Readonly<Record<string, string>>, concurrency = 64): Promise<KeysReport> {
  const entries = expected instanceof Map ? [...expected] : Object.entries(expected);
  const { client, own } = clientFor(target);
  const missing: string[] = [];
  const wrong: Array<{ key: string; expected: string; actual: string }> = [];
  const errors: Array<{ key: string; error: string }> = [];
  try {
    await forEachLimited(entries, concurrency, async ([k, v]) => {
      try {
        const actual = await client.get(k);
        if (actual === null) missing.push(k);
        else if (actual !== v) wrong.push({ key: k, expected: v, actual });
      } catch (e) {
        errors.push({ key: k, error: (e as Error).message });
      }
    });
  } finally {
    if (own) client.close();
  }
  const ok = missing.length === 0 && wrong.length === 0 && errors.length === 0;
  const present = entries.length - missing.length - wrong.length - errors.length;
  const parts = [`${present}/${entries.length} keys present with the expected value`];
  if (missing.length) parts.push(`${missing.length} missing (e.g. ${missing.slice(0, 3).join(', ')})`);
  if (wrong.length) parts.push(`${wrong.length} with another value (e.g. ${wrong[0]!.key}=${wrong[0]!.actual})`);
  if (errors.length) parts.push(`${errors.length} unreadable (e.g. ${errors[0]!.key}: ${errors[0]!.error})`);
  return { ok, checked: entries.length, missing, wrong, errors, summary: parts.join('; ') };
}
