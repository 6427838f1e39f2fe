import { randomBytes } from 'node:crypto';
import { ClusterClient, type ClusterClientOptions } from './cluster-client.ts';
import type { Pod } from './pod.ts';
import { keySlot, SLOT_COUNT } from './key-slot.ts';
import { RespConnection, type ConnectionOptions } from './resp-connection.ts';
import type { RespArg, RespValue } from './resp.ts';

/** A key's expected content, by Redis type (what TYPE answers). */
export type TypedValue =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'hash'; readonly value: Readonly<Record<string, string>> }
  | { readonly type: 'list'; readonly value: readonly string[] }
  | { readonly type: 'set'; readonly value: readonly string[] }
  | { readonly type: 'zset'; readonly value: ReadonlyArray<readonly [member: string, score: number]> };

/** A key's content and whether it carries a TTL (EXPIRE, in seconds, long enough to outlive a test). */
export type TypedEntry = TypedValue & { readonly ttlSeconds?: number };

/**
 * Runs one command for `key` and returns the reply: a ClusterClient routes by slot
 * (`clusterKeyCommand`), a plain connection sends it to one server (`nodeKeyCommand`).
 */
export type KeyCommand = (key: string, args: readonly RespArg[]) => Promise<RespValue>;

export interface TypedKeySetOptions {
  /** Also add a small string key to every hash slot no other key of the set falls into (Redis Cluster). @default false */
  readonly coverEverySlot?: boolean;
  /** Every n-th key gets a TTL. @default 7 */
  readonly ttlEvery?: number;
  /** The TTL given. @default 86400 */
  readonly ttlSeconds?: number;
}

export interface TypedKeysReport {
  readonly ok: boolean;
  readonly checked: number;
  readonly byType: Readonly<Record<string, number>>;
  readonly withTtl: number;
  /** "<key>: <what is wrong>" for every key that is missing, of another type, has another value, or lost/gained a TTL. */
  readonly problems: readonly string[];
  /** "3000/3000 keys equal (string 600, hash 600, ...; 429 with TTL)" or the count and first problems. */
  readonly summary: string;
}

const TYPES = ['string', 'hash', 'list', 'set', 'zset'] as const;

/**
 * `count` keys `<prefix>:<type>:<i>:<random>` cycling through string, hash, list, set and zset
 * (random names spread over the hash slots), every `ttlEvery`-th with a TTL; with
 * `coverEverySlot`, plus one string key `<prefix>:fill:<n>` in each slot the others miss.
 */
export function makeTypedKeySet(prefix: string, count: number, options: TypedKeySetOptions = {}): Map<string, TypedEntry> {
  const ttlEvery = options.ttlEvery ?? 7;
  const ttlSeconds = options.ttlSeconds ?? 86_400;
  const rnd = (n = 4) => randomBytes(n).toString('hex');
  const m = new Map<string, TypedEntry>();
  for (let i = 0; i < count; i++) {
    const type = TYPES[i % TYPES.length]!;
    const key = `${prefix}:${type}:${i}:${rnd()}`;
    const ttl = i % ttlEvery === ttlEvery - 1 ? { ttlSeconds } : {};
    const n = 1 + (i % 5);
    switch (type) {
      case 'string':
        m.set(key, { type, value: `v-${i}-${rnd(6)}`, ...ttl });
        break;
      case 'hash':
        m.set(key, { type, value: Object.fromEntries(Array.from({ length: n }, (_, j) => [`f${j}`, `h-${i}-${j}-${rnd(3)}`])), ...ttl });
        break;
      case 'list':
        // Duplicates on purpose: a list keeps them, in order.
        m.set(key, { type, value: Array.from({ length: n + 1 }, (_, j) => (j === n ? `l-${i}-0` : `l-${i}-${j}`)), ...ttl });
        break;
      case 'set':
        m.set(key, { type, value: Array.from({ length: n }, (_, j) => `s-${i}-${j}-${rnd(2)}`).sort(), ...ttl });
        break;
      case 'zset':
        m.set(key, { type, value: Array.from({ length: n }, (_, j) => [`z-${i}-${j}`, j * 1.5 - 2] as const), ...ttl });
        break;
    }
  }
  if (options.coverEverySlot) {
    const covered = new Set([...m.keys()].map((k) => keySlot(k)));
    for (let n = 0; covered.size < SLOT_COUNT; n++) {
      const key = `${prefix}:fill:${n}`;
      const slot = keySlot(key);
      if (covered.has(slot)) continue;
      covered.add(slot);
      m.set(key, { type: 'string', value: `fill-${slot}` });
    }
  }
  return m;
}

/** A KeyCommand over a ClusterClient (follows MOVED/ASK). */
export function clusterKeyCommand(client: ClusterClient): KeyCommand {
  return (key, args) => client.call(key, args);
}

/**
 * Runs `fn` with a KeyCommand over a ClusterClient seeded by these pods (the running ones), and
 * closes the client afterwards, also when `fn` throws: `withClusterKeys(pods, { password }, (cmd) =>
 * writeTypedKeys(cmd, keys))`.
 */
export async function withClusterKeys<T>(pods: readonly Pod[], options: Partial<ClusterClientOptions>, fn: (cmd: KeyCommand) => Promise<T>): Promise<T> {
  const client = ClusterClient.forPods(pods, options);
  try {
    return await fn(clusterKeyCommand(client));
  } finally {
    client.close();
  }
}

/** A KeyCommand that sends everything to one server over one connection (pipelined); close it when done. */
export async function nodeKeyCommand(options: ConnectionOptions): Promise<KeyCommand & { close(): void }> {
  const conn = await RespConnection.open(options);
  const cmd = ((_key: string, args: readonly RespArg[]) => conn.call(...args)) as KeyCommand & { close(): void };
  cmd.close = () => conn.close();
  return cmd;
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  const worker = async () => {
    while (i < items.length) await fn(items[i++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The commands that create a key with this content (DEL first, so a rerun replaces it). */
function writeCommands(key: string, e: TypedEntry): RespArg[][] {
  const cmds: RespArg[][] = [['DEL', key]];
  switch (e.type) {
    case 'string':
      cmds.push(['SET', key, e.value]);
      break;
    case 'hash':
      cmds.push(['HSET', key, ...Object.entries(e.value).flat()]);
      break;
    case 'list':
      cmds.push(['RPUSH', key, ...e.value]);
      break;
    case 'set':
      cmds.push(['SADD', key, ...e.value]);
      break;
    case 'zset':
      cmds.push(['ZADD', key, ...e.value.flatMap(([member, score]) => [String(score), member])]);
      break;
  }
  if (e.ttlSeconds !== undefined) cmds.push(['EXPIRE', key, e.ttlSeconds]);
  return cmds;
}

/** Writes every key (any error throws, listing the first failures). */
export async function writeTypedKeys(cmd: KeyCommand, keys: ReadonlyMap<string, TypedEntry>, concurrency = 64): Promise<void> {
  const failures: string[] = [];
  await forEachLimited([...keys], concurrency, async ([key, e]) => {
    try {
      for (const args of writeCommands(key, e)) await cmd(key, args);
    } catch (err) {
      failures.push(`${key}: ${(err as Error).message}`);
    }
  });
  if (failures.length > 0) throw new Error(`writeTypedKeys: ${failures.length}/${keys.size} keys failed, e.g.\n${failures.slice(0, 5).join('\n')}`);
}

const strings = (v: RespValue): string[] => (Array.isArray(v) ? v.map((x) => String(x)) : []);

/** What is wrong with `key` on the server, or undefined when type, value and TTL presence match. */
async function checkKey(cmd: KeyCommand, key: string, e: TypedEntry): Promise<string | undefined> {
  const type = String(await cmd(key, ['TYPE', key]));
  if (type === 'none') return 'missing';
  if (type !== e.type) return `type ${type}, expected ${e.type}`;
  let actual: unknown;
  let expected: unknown;
  switch (e.type) {
    case 'string':
      actual = await cmd(key, ['GET', key]);
      expected = e.value;
      break;
    case 'hash': {
      const flat = strings(await cmd(key, ['HGETALL', key]));
      const h: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!;
      actual = JSON.stringify(Object.entries(h).sort());
      expected = JSON.stringify(Object.entries(e.value).sort());
      break;
    }
    case 'list':
      actual = JSON.stringify(strings(await cmd(key, ['LRANGE', key, 0, -1])));
      expected = JSON.stringify(e.value);
      break;
    case 'set':
      actual = JSON.stringify(strings(await cmd(key, ['SMEMBERS', key])).sort());
      expected = JSON.stringify([...e.value].sort());
      break;
    case 'zset': {
      const flat = strings(await cmd(key, ['ZRANGE', key, 0, -1, 'WITHSCORES']));
      const pairs: Array<[string, number]> = [];
      for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, Number(flat[i + 1])]);
      actual = JSON.stringify(pairs);
      expected = JSON.stringify([...e.value].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])));
      break;
    }
  }
  if (actual !== expected) return `value ${String(actual).slice(0, 120)}, expected ${String(expected).slice(0, 120)}`;
  const ttl = Number(await cmd(key, ['TTL', key]));
  if (e.ttlSeconds !== undefined && !(ttl > 0 && ttl <= e.ttlSeconds)) return `TTL ${ttl}, expected a TTL of at most ${e.ttlSeconds}s`;
  if (e.ttlSeconds === undefined && ttl !== -1) return `TTL ${ttl}, expected none (-1)`;
  return undefined;
}

/** Reads every key back and compares type, value and TTL presence. */
export async function compareTypedKeys(cmd: KeyCommand, keys: ReadonlyMap<string, TypedEntry>, concurrency = 64): Promise<TypedKeysReport> {
  const problems: string[] = [];
  const byType: Record<string, number> = {};
  let withTtl = 0;
  await forEachLimited([...keys], concurrency, async ([key, e]) => {
    byType[e.type] = (byType[e.type] ?? 0) + 1;
    if (e.ttlSeconds !== undefined) withTtl += 1;
    try {
      const p = await checkKey(cmd, key, e);
      if (p) problems.push(`${key}: ${p}`);
    } catch (err) {
      problems.push(`${key}: ${(err as Error).message}`);
    }
  });
  const types = TYPES.filter((t) => byType[t])
    .map((t) => `${t} ${byType[t]}`)
    .join(', ');
  const equal = keys.size - problems.length;
  const summary =
    problems.length === 0 ? `${equal}/${keys.size} keys equal (${types}; ${withTtl} with TTL)` : `${equal}/${keys.size} keys equal; ${problems.length} differ, e.g. ${problems.slice(0, 3).join('; ')}`;
  return { ok: problems.length === 0, checked: keys.size, byType, withTtl, problems, summary };
}
