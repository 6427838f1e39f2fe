/**
 * Backup and restore with the chart's own scripts, as rendered by helm, on real redis-server and
 * redis-sentinel processes: backup.sh (the CronJob's container) asks the Sentinels of a 1 master +
 * 2 replicas + 3 Sentinels group for the master and dumps it; restore.sh (the Redis pods' `restore`
 * init container) seeds pod 0 of a FRESH release, which then starts through start-redis.sh and
 * start-sentinel.sh like any new install (with AOF, and without). Also: retention pruning, a run
 * that fails (the master killed during the dump), and a run during a failover that waits for the
 * Sentinels to name the new master. Timings are printed, never asserted.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { engineLabel, compareTypedKeys, makeTypedKeySet, nodeKeyCommand, redisEngine, Sandbox, writeTypedKeys, type Pod, type TypedEntry } from '@redis-gitops/redis-testkit';
import { TESTED_LINES, versionLine } from '@redis-gitops/spec';
import { RedisSentinelChart } from './redis-sentinel-chart.ts';
import { waitForGroup } from './sentinel-group.ts';

const STEP_TIMEOUT_MS = 240_000;
const SET_NAME = /^\d{8}T\d{6}Z$/;
// A Sentinel password of its own, so that a script mixing up the two passwords fails here.
const SENTINEL_AUTH = ['sentinel.auth.existingSecret=sentinel-auth', 'sentinel.auth.passwordKey=sentinel-password'];

interface Group {
  readonly sandbox: Sandbox;
  readonly chart: RedisSentinelChart;
  readonly redis: Pod[];
  readonly sentinels: Pod[];
}
interface Manifest {
  readonly format: number;
  readonly mode: string;
  readonly set: string;
  readonly masterSet: string;
  readonly redisVersion: string;
  readonly server: 'redis' | 'valkey';
  readonly serverVersion: string;
  readonly shards: ReadonlyArray<{ index: number; role: string; nodeId: string; address: string; host: string; file: string; bytes: number; sha256: string; keys: number }>;
}

const sandboxes: Sandbox[] = [];
let source: Group;
let backupDir = '';
let keys: Map<string, TypedEntry>;
let firstSet = '';
const figures: string[] = [];
const figure = (s: string) => {
  figures.push(s);
  console.log(s);
};

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const completeSets = () =>
  readdirSync(backupDir)
    .filter((n) => SET_NAME.test(n) && existsSync(path.join(backupDir, n, 'manifest.json')))
    .sort();
const entries = () =>
  readdirSync(backupDir)
    .filter((n) => n !== '.backup.lock')
    .sort();
const manifest = (set: string) => JSON.parse(readFileSync(path.join(backupDir, set, 'manifest.json'), 'utf8')) as Manifest;
const fingerprint = (set: string) =>
  Object.fromEntries(
    readdirSync(path.join(backupDir, set))
      .sort()
      .map((f) => [f, sha256(path.join(backupDir, set, f))]),
  );
function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? listFiles(path.join(dir, f), `${prefix}${f}/`) : [`${prefix}${f}`]));
}

async function newGroup(name: string, set: string[]): Promise<Group> {
  const sandbox = await Sandbox.create({ name, ports: [6379, 26379], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
  sandboxes.push(sandbox);
  const chart = await RedisSentinelChart.render(sandbox, { set: [...SENTINEL_AUTH, ...set] });
  chart.backupDir = backupDir;
  const { redis, sentinels } = await chart.createPods();
  return { sandbox, chart, redis, sentinels };
}

/** Every pod of both StatefulSets starts at once (a fresh install); waits until the group is whole. */
async function startGroup(g: Group, what: string): Promise<{ master: Pod; ms: number }> {
  const t0 = Date.now();
  await Promise.all([...g.redis, ...g.sentinels].map((p) => g.chart.start(p)));
  const state = await waitForGroup(g.redis, g.sentinels, g.chart.masterSet, what, 120_000, () => g.sandbox.describe(25));
  return { master: state.master, ms: Date.now() - t0 };
}

async function withMaster<T>(master: Pod, fn: (cmd: Awaited<ReturnType<typeof nodeKeyCommand>>) => Promise<T>): Promise<T> {
  const cmd = await nodeKeyCommand(master.connection());
  try {
    return await fn(cmd);
  } finally {
    cmd.close();
  }
}

const keyCount = async (pod: Pod) => Number(/keys=(\d+)/.exec((await pod.info('keyspace')).db0 ?? '')?.[1] ?? 0);

beforeAll(async () => {
  const root = await Sandbox.create({ name: 'sentinel-backup-volume', ports: [6379, 26379], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
  sandboxes.push(root);
  backupDir = path.join(root.root, 'backup-volume');
  mkdirSync(backupDir);
  source = await newGroup('sentinel-backup', ['backup.enabled=true', 'backup.retention=2']);
  const { master, ms } = await startGroup(source, 'the source group to form');
  figure(`source group (1 master + 2 replicas + 3 Sentinels) whole in ${ms}ms`);
  keys = makeTypedKeySet('bk', 3000);
  const t0 = Date.now();
  await withMaster(master, (cmd) => writeTypedKeys(cmd, keys));
  figure(`wrote ${keys.size} keys of five types (every 7th with a TTL) in ${Date.now() - t0}ms`);
}, STEP_TIMEOUT_MS);

afterAll(async () => {
  const errors: string[] = [];
  for (const s of sandboxes) await s.cleanup().catch((e: Error) => errors.push(e.message));
  for (const s of sandboxes) for (const p of s.pods) expect(p.running).toBe(false);
  if (figures.length > 0) console.log(`backup/restore figures (${engineLabel()}, 1 master + 2 replicas + 3 Sentinels, ${keys?.size ?? 0} keys):\n  ${figures.join('\n  ')}`);
  expect(errors).toEqual([]);
});

describe('redis-sentinel backup.sh and restore.sh', () => {
  it(
    'backup.sh asks the Sentinels for the master and writes one complete set: master.rdb, manifest.json, SHA256SUMS',
    async () => {
      const { chart, redis, sentinels } = source;
      const r = await chart.startBackup('backup-1').succeeded(120_000);
      figure(`backup run 1: ${r.durationMs}ms`);
      const sets = completeSets();
      expect(sets).toHaveLength(1);
      expect(entries()).toEqual(sets);
      firstSet = sets[0]!;
      const m = manifest(firstSet);
      expect({ format: m.format, mode: m.mode, set: m.set, masterSet: m.masterSet }).toEqual({ format: 1, mode: 'sentinel', set: firstSet, masterSet: chart.masterSet });
      const engine = redisEngine();
      expect({ server: m.server, line: versionLine(m.serverVersion) }).toEqual({ server: engine, line: TESTED_LINES[engine].line });
      const { master } = await waitForGroup(redis, sentinels, chart.masterSet, 'the group');
      expect(m.shards).toHaveLength(1);
      const s = m.shards[0]!;
      expect({ role: s.role, address: s.address, nodeId: s.nodeId, file: s.file, keys: s.keys }).toEqual({
        role: 'master',
        address: master.address,
        nodeId: (await master.info('server')).run_id,
        file: 'master.rdb',
        keys: keys.size,
      });
      const file = path.join(backupDir, firstSet, s.file);
      expect({ sha: sha256(file), bytes: readFileSync(file).length, magic: readFileSync(file).subarray(0, 5).toString() }).toEqual({ sha: s.sha256, bytes: s.bytes, magic: 'REDIS' });
      expect(readFileSync(path.join(backupDir, firstSet, 'SHA256SUMS'), 'utf8')).toBe(`${s.sha256}  master.rdb\n`);
      expect(listFiles(path.join(backupDir, firstSet))).toEqual(['SHA256SUMS', 'manifest.json', 'master.rdb']);
      const out = r.output.join('\n');
      expect(out).toMatch(new RegExp(`backup: 3 of 3 reachable Sentinel\\(s\\) name master ${master.ip}:6379 \\(config-epoch \\d+\\), pod \\S*node-0`));
      expect(out).toMatch(/retention: 1 complete set\(s\), keeping up to 2; nothing to prune/);
      figure(`set ${firstSet}: master.rdb ${s.bytes} B / ${s.keys} keys`);
    },
    STEP_TIMEOUT_MS,
  );

  it.each([
    ['appendonly yes (the default): pod 0 gets the RDB as its AOF base', [] as string[], ['appendonlydir/appendonly.aof.1.base.rdb', 'appendonlydir/appendonly.aof.manifest', 'restored-from']],
    ['appendonly no: pod 0 gets the RDB as dump.rdb', ['persistence.aof=false'], ['dump.rdb', 'restored-from']],
  ])(
    'restore.sh seeds pod 0 of a FRESH release, %s; the normal start makes it the master; every key, value, type and TTL is back',
    async (_what, set, seeded) => {
      const g = await newGroup(`sentinel-restore-${set.length}`, [`restore.fromSet=${firstSet}`, ...set]);
      expect(g.chart.restore).toBeDefined();
      const before = fingerprint(firstSet);
      const t0 = Date.now();
      const results = await Promise.all(g.redis.map((p) => g.chart.runRestore(p)));
      const restoreMs = Date.now() - t0;
      for (const [i, r] of results.entries()) expect({ pod: g.redis[i]!.name, code: r.code, err: r.code === 0 ? '' : r.stderr }).toEqual({ pod: g.redis[i]!.name, code: 0, err: '' });
      expect(results[0]!.stderr).toMatch(new RegExp(`pod ${g.redis[0]!.name} is pod 0, the first master: seeding it from set ${firstSet}, master.rdb`));
      expect(listFiles(g.redis[0]!.dataDir)).toEqual(seeded);
      for (const i of [1, 2]) {
        expect(results[i]!.stderr).toMatch(/is not pod 0: nothing to seed/);
        expect(listFiles(g.redis[i]!.dataDir)).toEqual([]);
      }
      expect(fingerprint(firstSet)).toEqual(before);
      const { master, ms } = await startGroup(g, 'the restored group to form');
      expect(master).toBe(g.redis[0]);
      const t1 = Date.now();
      const report = await withMaster(master, (cmd) => compareTypedKeys(cmd, keys));
      expect(report.problems.slice(0, 10)).toEqual([]);
      figure(`restored group (${set.join(' ') || 'appendonly yes'}): restore.sh ${restoreMs}ms, group whole ${ms}ms later; ${report.summary} (compared in ${Date.now() - t1}ms)`);
      for (const r of g.redis.slice(1)) expect({ pod: r.name, keys: await keyCount(r) }).toEqual({ pod: r.name, keys: keys.size });

      // The init container again (a restart of pod 0): a volume with data is never touched.
      const again = await g.chart.runRestore(g.redis[0]!);
      expect(again.code).toBe(0);
      expect(again.stderr).toMatch(/already holds data \(.*restored-from/);
      // A replica that lost its volume while the group runs is not seeded (and neither would pod 0 be).
      const lost = g.redis[2]!;
      await lost.kill();
      rmSync(lost.dataDir, { recursive: true, force: true });
      mkdirSync(lost.dataDir);
      const lostRun = await g.chart.runRestore(lost);
      expect(lostRun.code).toBe(0);
      expect(lostRun.stderr).toMatch(
        /this volume is empty but \S*node-0 \(\S+\) holds data \(role master, 3000 keys, replication offset \d+\): the pod lost its volume, the deployment is not new; not restoring/,
      );
      expect(listFiles(lost.dataDir)).toEqual([]);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'refuses a set that is missing, incomplete, of a Redis Cluster, or written by Valkey into Redis',
    async () => {
      const g = await newGroup('sentinel-restore-bad', ['restore.fromSet=20200101T000000Z']);
      const pod0 = g.redis[0]!;
      const missing = await g.chart.runRestore(pod0);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(new RegExp(`no backup set 20200101T000000Z on .*; the newest complete sets: ${firstSet}`));
      mkdirSync(path.join(backupDir, '20200101T000000Z.partial'));
      const partial = await g.chart.runRestore(pod0);
      expect(partial.stderr).toMatch(/set 20200101T000000Z is incomplete \(20200101T000000Z\.partial: a backup that did not finish\)/);
      rmSync(path.join(backupDir, '20200101T000000Z.partial'), { recursive: true });
      const clusterSet = path.join(backupDir, '20200101T000001Z');
      mkdirSync(clusterSet);
      writeFileSync(path.join(clusterSet, 'manifest.json'), '{\n  "format": 1,\n  "mode": "cluster",\n  "shards": [\n  ]\n}\n');
      const wrongMode = await g.chart.runRestore(pod0, { RESTORE_SET: '20200101T000001Z' });
      expect(wrongMode.code).toBe(1);
      expect(wrongMode.stderr).toMatch(/set 20200101T000001Z is a backup of a cluster-mode deployment, not of a Sentinel group/);
      rmSync(clusterSet, { recursive: true });
      // A set Valkey wrote (RDB format 11) into a release that runs Redis: refused, naming both.
      const valkeySet = path.join(backupDir, '20200101T000002Z');
      mkdirSync(valkeySet);
      writeFileSync(path.join(valkeySet, 'manifest.json'), '{\n  "format": 1,\n  "mode": "sentinel",\n  "server": "valkey",\n  "serverVersion": "8.0.1",\n  "shards": [\n  ]\n}\n');
      const fromValkey = await g.chart.runRestore(pod0, { RESTORE_SET: '20200101T000002Z' });
      if (redisEngine() === 'redis') {
        expect(fromValkey.code).toBe(1);
        expect(fromValkey.stderr).toMatch(
          /set 20200101T000002Z was written by valkey 8\.0\.1 \(RDB format 11\), and this release runs redis 7\.0\.\d+, which cannot load it: restore it into an environment with engine: valkey/,
        );
      } else {
        // On Valkey the set is accepted (its own format): the restore goes on and stops at the empty shard list.
        expect(fromValkey.stderr).not.toMatch(/cannot load it/);
      }
      rmSync(valkeySet, { recursive: true });
      expect(listFiles(pod0.dataDir)).toEqual([]);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'retention 2: later runs prune the oldest sets, and a stale .partial folder of a dead run is deleted',
    async () => {
      const { chart } = source;
      mkdirSync(path.join(backupDir, '20200101T000000Z.partial'));
      const r2 = await chart.startBackup('backup-2').succeeded(120_000);
      expect(r2.output.join('\n')).toMatch(/deleted stale 20200101T000000Z\.partial/);
      const afterTwo = completeSets();
      expect(afterTwo).toHaveLength(2);
      expect(entries()).toEqual(afterTwo);
      const r3 = await chart.startBackup('backup-3').succeeded(120_000);
      expect(completeSets()).toEqual([afterTwo[1]!, expect.stringMatching(SET_NAME)]);
      expect(r3.output.join('\n')).toMatch(new RegExp(`retention: deleted set ${firstSet} \\(older than the newest 2\\)`));
      figure(`backup runs 2 and 3: ${r2.durationMs}ms, ${r3.durationMs}ms; sets kept: ${completeSets().join(', ')}`);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'a master killed during the dump fails the run (earlier sets untouched, nothing set-like added); the next run waits for the failover and backs up the new master',
    async () => {
      const { chart, redis, sentinels } = source;
      const sets = completeSets();
      const prints = Object.fromEntries(sets.map((s) => [s, fingerprint(s)]));
      const { master } = await waitForGroup(redis, sentinels, chart.masterSet, 'the group');
      const job = chart.startBackup('backup-master-dies');
      await job.waitForOutput(/backup: dumping master/, 60_000);
      await master.kill();
      const r = await job.done;
      const out = r.output.join('\n');
      expect({ code: r.code, out: r.code === 0 ? out : '' }).toEqual({ code: 1, out: '' });
      expect(out).toMatch(/backup: FATAL: redis-cli --rdb from \S+ failed/);
      expect(out).toMatch(/backup: FAILED after \d+s \(exit 1\); no set was added and none was deleted/);
      expect(completeSets()).toEqual(sets);
      for (const s of sets) expect(fingerprint(s)).toEqual(prints[s]);
      expect({ entries: entries(), out }).toEqual({ entries: sets, out });
      figure(`failing run (master ${master.name} SIGKILLed during the dump): exit ${r.code} after ${r.durationMs}ms: ${r.output.filter((l) => /FATAL/.test(l)).join(' | ')}`);

      // At once, while the Sentinels still name the dead master: the run waits for the failover.
      const during = await chart.startBackup('backup-during-failover').succeeded(120_000);
      const duringOut = during.output.join('\n');
      expect(duringOut).toMatch(/asking again/);
      const newSet = completeSets().at(-1)!;
      const s = manifest(newSet).shards[0]!;
      expect(s.address).not.toBe(master.address);
      expect(redis.filter((p) => p.running).map((p) => p.address)).toContain(s.address);
      expect(s.keys).toBe(keys.size);
      expect(completeSets()).toEqual([sets[1]!, newSet]);
      figure(
        `run during the failover: waited for the new master (${s.host}), ${during.durationMs}ms; ${duringOut.split('\n').filter((l) => /asking again/.test(l)).length} wait line(s); sets kept: ${completeSets().join(', ')}`,
      );
    },
    STEP_TIMEOUT_MS,
  );
});
