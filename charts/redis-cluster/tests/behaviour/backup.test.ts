/**
 * Backup and restore with the chart's own scripts, as rendered by helm, on real redis-server
 * processes: backup.sh (the CronJob's container) against a 3-master + 3-replica cluster holding
 * keys of every type in every hash slot, then restore.sh (the pods' `restore` init container)
 * into the empty volumes of a FRESH release, followed by the chart's normal start (start-node.sh)
 * and bootstrap Job. Also: retention pruning, a run killed halfway, a run that fails (a master
 * unreachable), and a set whose slot layout does not fit. Timings are printed, never asserted.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  engineLabel,
  compareTypedKeys,
  makeTypedKeySet,
  nodeKeyCommand,
  redisEngine,
  roles,
  Sandbox,
  waitHealthy,
  writeTypedKeys,
  type Pod,
  type TypedEntry,
  withClusterKeys,
} from '@redis-gitops/redis-testkit';
import { TESTED_LINES, versionLine } from '@redis-gitops/spec';
import { BackupHarness, listFiles, sha256 } from './backup-harness.ts';
import { RedisClusterChart, TEST_PASSWORD } from './redis-cluster-chart.ts';

const STEP_TIMEOUT_MS = 240_000;
const EVEN = ['0-5460', '5461-10922', '10923-16383'];

const sandboxes: Sandbox[] = [];
let source: { chart: RedisClusterChart; pods: Pod[]; backup: BackupHarness };
let keys: Map<string, TypedEntry>;
let firstSet = '';
const figures: string[] = [];
const figure = (s: string) => {
  figures.push(s);
  console.log(s);
};

async function newSandbox(name: string): Promise<Sandbox> {
  const s = await Sandbox.create({ name });
  sandboxes.push(s);
  return s;
}

/** Starts every pod (start-node.sh) and the bootstrap Job, waits for a healthy cluster. */
async function formCluster(chart: RedisClusterChart, pods: Pod[], what: string): Promise<number> {
  const t0 = Date.now();
  await Promise.all(pods.map((p) => chart.startNode(p)));
  await chart.startBootstrap().succeeded(180_000);
  await waitHealthy(pods, 90_000);
  const ms = Date.now() - t0;
  figure(`${what}: pods started, bootstrap done and cluster healthy in ${ms}ms`);
  return ms;
}

async function compare(pods: Pod[]): Promise<ReturnType<typeof compareTypedKeys>> {
  return await withClusterKeys(pods, { password: TEST_PASSWORD }, (cmd) => compareTypedKeys(cmd, keys));
}

beforeAll(async () => {
  const sandbox = await newSandbox('cluster-backup');
  const chart = await RedisClusterChart.render(sandbox, { set: ['backup.enabled=true', 'backup.retention=2'] });
  const pods = await chart.createPods();
  const backup = new BackupHarness(chart, path.join(sandbox.root, 'backup-volume'));
  source = { chart, pods, backup };
  await formCluster(chart, pods, 'source cluster');
  keys = makeTypedKeySet('bk', 3000, { coverEverySlot: true });
  const t0 = Date.now();
  await withClusterKeys(pods, { password: TEST_PASSWORD }, (cmd) => writeTypedKeys(cmd, keys));
  figure(`wrote ${keys.size} keys (3000 of five types, every 7th with a TTL, plus one string in each slot the others miss) in ${Date.now() - t0}ms`);
}, STEP_TIMEOUT_MS);

afterAll(async () => {
  const errors: string[] = [];
  for (const s of sandboxes) await s.cleanup().catch((e: Error) => errors.push(e.message));
  for (const s of sandboxes) for (const p of s.pods) expect(p.running).toBe(false);
  if (figures.length > 0) console.log(`backup/restore figures (${engineLabel()}, 3 masters + 3 replicas, ${keys?.size ?? 0} keys):\n  ${figures.join('\n  ')}`);
  expect(errors).toEqual([]);
});

describe('redis-cluster backup.sh and restore.sh (3 masters + 3 replicas)', () => {
  it(
    'backup.sh writes one complete set: an RDB per master, manifest.json with slots, sizes and checksums, SHA256SUMS',
    async () => {
      const { backup, pods } = source;
      const job = backup.startBackup('backup-1');
      const r = await job.succeeded(120_000);
      figure(`backup run 1: ${r.durationMs}ms`);
      const sets = backup.completeSets();
      expect(sets).toHaveLength(1);
      expect(backup.entries()).toEqual(sets);
      firstSet = sets[0]!;
      const m = backup.manifest(firstSet);
      expect({ format: m.format, mode: m.mode, set: m.set, slotLayout: m.slotLayout }).toEqual({ format: 1, mode: 'cluster', set: firstSet, slotLayout: EVEN.join(';') });
      // The server that wrote the set, on the line this run's engine is (the testkit's REDIS_TESTKIT_ENGINE).
      const engine = redisEngine();
      expect({ server: m.server, line: versionLine(m.serverVersion) }).toEqual({ server: engine, line: TESTED_LINES[engine].line });
      // INFO's redis_version: Redis' own, or the Redis version Valkey is compatible with.
      expect(m.redisVersion).toMatch(engine === 'redis' ? /^7\.0\./ : /^7\.2\./);
      expect(m.shards.map((s) => s.slots)).toEqual(EVEN);
      // Every shard's master, by node ID: the pods that own the slots.
      const r0 = await roles(pods);
      const masters = Object.entries(r0).filter(([, v]) => v.role === 'master');
      expect(masters).toHaveLength(3);
      const ids = new Map(await Promise.all(pods.map(async (p) => [String(await p.command('CLUSTER', 'MYID')), p.name] as const)));
      expect(m.shards.map((s) => ids.get(s.nodeId)).sort()).toEqual(masters.map(([name]) => name).sort());
      const dir = path.join(backup.backupDir, firstSet);
      expect(listFiles(dir)).toEqual(['SHA256SUMS', 'manifest.json', 'shard-0.rdb', 'shard-1.rdb', 'shard-2.rdb']);
      const sums = readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8');
      for (const s of m.shards) {
        const file = path.join(dir, s.file);
        expect({ file: s.file, sha: sha256(file), bytes: readFileSync(file).length, magic: readFileSync(file).subarray(0, 5).toString() }).toEqual({
          file: s.file,
          sha: s.sha256,
          bytes: s.bytes,
          magic: 'REDIS',
        });
        expect(sums).toContain(`${s.sha256}  ${s.file}`);
      }
      // INFO keyspace at dump time: nothing was written meanwhile, so the shards add up to the key set.
      expect(m.shards.reduce((n, s) => n + s.keys, 0)).toBe(keys.size);
      const out = r.output.join('\n');
      expect(out).toMatch(/backup: slot map from \S+: 3 shard\(s\)/);
      expect(out).toMatch(new RegExp(`backup: set ${firstSet} complete: 3 shard\\(s\\)`));
      expect(out).toMatch(/retention: 1 complete set\(s\), keeping up to 2; nothing to prune/);
      figure(`set ${firstSet}: ${m.shards.map((s) => `${s.file} ${s.bytes} B / ${s.keys} keys`).join(', ')}`);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'restore.sh seeds the first master of each shard of a FRESH release; start-node.sh and the bootstrap build the cluster; every key, value, type and TTL is back',
    async () => {
      const sandbox = await newSandbox('cluster-restore');
      const chart = await RedisClusterChart.render(sandbox, { set: [`restore.fromSet=${firstSet}`] });
      const restore = new BackupHarness(chart, source.backup.backupDir);
      expect(restore.hasRestore).toBe(true);
      const pods = await chart.createPods();
      const before = source.backup.fingerprint(firstSet);
      // Every pod's init container runs at once, like a StatefulSet with podManagementPolicy Parallel.
      const t0 = Date.now();
      const results = await Promise.all(pods.map((p) => restore.runRestore(p)));
      const restoreMs = Date.now() - t0;
      for (const [i, r] of results.entries()) expect({ pod: pods[i]!.name, code: r.code, err: r.code === 0 ? '' : r.stderr }).toEqual({ pod: pods[i]!.name, code: 0, err: '' });
      // Shard-major: pods 0, 2, 4 are the first masters of shards 0, 1, 2.
      for (const [i, slots] of [
        [0, EVEN[0]],
        [2, EVEN[1]],
        [4, EVEN[2]],
      ] as const) {
        expect(results[i]!.stderr).toMatch(new RegExp(`pod ${pods[i]!.name} is the first master of shard ${i / 2} \\(slots ${slots}\\)`));
        expect(results[i]!.stderr).toMatch(/appendonly yes: the RDB is the AOF base appendonlydir\/appendonly\.aof\.1\.base\.rdb/);
        expect(listFiles(pods[i]!.dataDir)).toEqual(['appendonlydir/appendonly.aof.1.base.rdb', 'appendonlydir/appendonly.aof.manifest', 'restored-from']);
      }
      for (const i of [1, 3, 5]) {
        expect(results[i]!.stderr).toMatch(/is a replica of shard \d \(pods of a shard: \d\.\.\d\): nothing to seed/);
        expect(listFiles(pods[i]!.dataDir)).toEqual([]);
      }
      expect(source.backup.fingerprint(firstSet)).toEqual(before); // mounted read-only: never written
      figure(`restore.sh on 6 pods at once: ${restoreMs}ms (${results.map((r) => r.durationMs).join('/')}ms each)`);

      const formMs = await formCluster(chart, pods, 'restored cluster');
      const r = await roles(pods);
      for (const [i, slots] of [
        [0, EVEN[0]],
        [2, EVEN[1]],
        [4, EVEN[2]],
      ] as const) {
        expect({ pod: pods[i]!.name, role: r[pods[i]!.name]!.role, slots: r[pods[i]!.name]!.slots }).toEqual({ pod: pods[i]!.name, role: 'master', slots });
      }
      const t1 = Date.now();
      const report = await compare(pods);
      expect(report.problems.slice(0, 10)).toEqual([]);
      expect(report.ok).toBe(true);
      figure(`restored cluster: ${report.summary}; compared in ${Date.now() - t1}ms; restore + start + bootstrap ${restoreMs + formMs}ms`);
      // The replicas hold the data too (replication from the seeded masters).
      for (const i of [1, 3, 5]) {
        const info = await pods[i]!.info('keyspace');
        const m = source.backup.manifest(firstSet).shards[(i - 1) / 2]!;
        expect({ pod: pods[i]!.name, keys: Number(/keys=(\d+)/.exec(info.db0 ?? '')?.[1] ?? 0) }).toEqual({ pod: pods[i]!.name, keys: m.keys });
      }

      // Running the init container again (a pod restart) never touches a volume that holds data.
      const again = await restore.runRestore(pods[0]!);
      expect(again.code).toBe(0);
      expect(again.stderr).toMatch(/already holds data \(.*appendonlydir\/.*restored-from/);
      // A pod that lost its volume while the cluster runs is not seeded with old data.
      const lost = pods[4]!;
      await lost.kill();
      RedisClusterChart.wipeVolume(lost);
      const lostRun = await restore.runRestore(lost);
      expect(lostRun.code).toBe(0);
      expect(lostRun.stderr).toMatch(/is in a formed cluster: the pod lost its volume, the deployment is not new; not restoring/);
      expect(listFiles(lost.dataDir)).toEqual([]);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'rejects a set whose slot layout does not fit the release, naming the layout it needs',
    async () => {
      const sandbox = await newSandbox('cluster-restore-layout');
      const cases: Array<[string[], RegExp]> = [
        [
          ['cluster.slots={0-5000,5001-10000,10001-16383}'],
          /shard 0 of this release gets slots 0-5000, which no shard of the set has.*Restoring it needs cluster\.shards=3 and cluster\.slots=\[\] \(the even split\)/,
        ],
        [['cluster.shards=4'], /the set has 3 shard\(s\), this release has 4.*Restoring it needs cluster\.shards=3 and cluster\.slots=\[\] \(the even split\)/],
      ];
      for (const [set, message] of cases) {
        const chart = await RedisClusterChart.render(sandbox, { release: `r${cases.findIndex((c) => c[0] === set)}`, set: [...set, `restore.fromSet=${firstSet}`] });
        const pod = (await chart.createPods())[0]!;
        const r = await new BackupHarness(chart, source.backup.backupDir).runRestore(pod);
        expect({ set, code: r.code }).toEqual({ set, code: 1 });
        expect(r.stderr).toMatch(message);
        expect(listFiles(pod.dataDir)).toEqual([]);
      }
      // A set that does not exist, or that is not complete.
      const chart = await RedisClusterChart.render(sandbox, { release: 'rx', set: ['restore.fromSet=20200101T000000Z'] });
      const pod = (await chart.createPods())[0]!;
      const missing = await new BackupHarness(chart, source.backup.backupDir).runRestore(pod);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(new RegExp(`no backup set 20200101T000000Z on .*; the newest complete sets: ${firstSet}`));
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'retention 2: later runs prune the oldest sets, and a stale .partial folder of a dead run is deleted',
    async () => {
      const { backup } = source;
      const stale = path.join(backup.backupDir, '20200101T000000Z.partial');
      mkdirSync(stale);
      writeFileSync(path.join(stale, 'shard-0.rdb'), 'REDIS0010 truncated');
      const r2 = await backup.startBackup('backup-2').succeeded(120_000);
      expect(r2.output.join('\n')).toMatch(/deleted stale 20200101T000000Z\.partial/);
      const afterTwo = backup.completeSets();
      expect(afterTwo).toHaveLength(2);
      expect(afterTwo[0]).toBe(firstSet);
      expect(backup.entries()).toEqual(afterTwo);
      const r3 = await backup.startBackup('backup-3').succeeded(120_000);
      const afterThree = backup.completeSets();
      expect(afterThree).toEqual([afterTwo[1]!, expect.stringMatching(/^\d{8}T\d{6}Z$/)]);
      expect(afterThree[1]! > afterTwo[1]!).toBe(true);
      expect(r3.output.join('\n')).toMatch(new RegExp(`retention: deleted set ${firstSet} \\(older than the newest 2\\)`));
      figure(`backup runs 2 and 3: ${r2.durationMs}ms, ${r3.durationMs}ms; sets kept: ${afterThree.join(', ')}`);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'a run killed halfway leaves only a .partial folder (no manifest), which is never a set and is deleted by the next run',
    async () => {
      const { backup } = source;
      const sets = backup.completeSets();
      const prints = Object.fromEntries(sets.map((s) => [s, backup.fingerprint(s)]));
      const job = backup.startBackup('backup-killed');
      await job.waitForOutput(/backup: shard 2: dumping master/, 60_000);
      await job.kill();
      const left = backup.entries().filter((n) => !sets.includes(n));
      expect(left).toHaveLength(1);
      expect(left[0]).toMatch(/^\d{8}T\d{6}Z\.partial$/);
      expect(existsSync(path.join(backup.backupDir, left[0]!, 'manifest.json'))).toBe(false);
      expect(backup.completeSets()).toEqual(sets);
      for (const s of sets) expect(backup.fingerprint(s)).toEqual(prints[s]);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'runs with a master unreachable (killed during the dumps, or already gone) fail, keep every earlier set untouched and add nothing that looks like a set',
    async () => {
      const { backup, pods } = source;
      const sets = backup.completeSets();
      const prints = Object.fromEntries(sets.map((s) => [s, backup.fingerprint(s)]));
      const r0 = await roles(pods);
      const master = pods.find((p) => r0[p.name]!.role === 'master' && r0[p.name]!.slots === EVEN[1])!;
      const expectUntouched = (out: string) => {
        expect(backup.completeSets()).toEqual(sets);
        for (const s of sets) expect(backup.fingerprint(s)).toEqual(prints[s]);
        // The stale .partial of the killed run is gone (deleted at the start); a failed run removes its own.
        expect({ entries: backup.entries(), out }).toEqual({ entries: sets, out });
      };
      // 1. The master dies (SIGKILL) while the three dumps wait for their transfers. Its transfer is
      // held back (a diskless sync that waits 30 s for more replicas; repl-diskless-sync-max-replicas
      // would otherwise start it at once), so the kill always lands during its dump.
      await master.command('CONFIG', 'SET', 'repl-diskless-sync-delay', '30', 'repl-diskless-sync-max-replicas', '0');
      const during = backup.startBackup('backup-master-dies');
      await during.waitForOutput(/backup: shard 2: dumping master/, 60_000);
      await master.kill();
      const r1 = await during.done;
      const out1 = r1.output.join('\n');
      expect({ code: r1.code, out: r1.code === 0 ? out1 : '' }).toEqual({ code: 1, out: '' });
      expect(out1).toMatch(/backup: shard 1: redis-cli --rdb from \S+ failed/);
      expect(out1).toMatch(/backup: FATAL: 1 of 3 dump\(s\) failed; the set is incomplete/);
      expect(out1).toMatch(/backup: removed the incomplete set \d{8}T\d{6}Z\.partial/);
      expect(out1).toMatch(/backup: FAILED after \d+s \(exit 1\); no set was added and none was deleted/);
      expectUntouched(out1);
      // 2. The next run, with the master still gone (its replica is promoted only after cluster-node-timeout).
      const r2 = await backup.startBackup('backup-master-gone').done;
      const out2 = r2.output.join('\n');
      expect({ code: r2.code, out: r2.code === 0 ? out2 : '' }).toEqual({ code: 1, out: '' });
      expectUntouched(out2);
      const why = (r: typeof r1) => r.output.filter((l) => /FATAL/.test(l)).join(' | ');
      figure(`failing runs (master ${master.name} SIGKILLed): during the dumps exit ${r1.code} after ${r1.durationMs}ms (${why(r1)}); next run exit ${r2.code} after ${r2.durationMs}ms (${why(r2)})`);
    },
    STEP_TIMEOUT_MS,
  );
});

describe('what redis-server 7.0 does with an RDB in the data dir (why restore.sh seeds the AOF base when appendonly is yes)', () => {
  it(
    'appendonly yes ignores dump.rdb and starts EMPTY; the same RDB as AOF base (with a manifest) loads every key; appendonly no loads dump.rdb',
    async () => {
      const sandbox = await newSandbox('rdb-vs-aof');
      // An RDB of 1000 keys of every type: SAVE of a plain redis-server.
      const origin = await sandbox.createPod('origin');
      await origin.start({ kind: 'redis-server', args: ['--save', '', '--appendonly', 'no'] });
      const data = makeTypedKeySet('facts', 1000);
      const cmd = await nodeKeyCommand(origin.connection());
      try {
        await writeTypedKeys(cmd, data);
      } finally {
        cmd.close();
      }
      await origin.command('SAVE');
      await origin.kill();
      const rdb = path.join(origin.dataDir, 'dump.rdb');
      const shard = { file: 'dump.rdb', keys: data.size };
      const dbsize = async (name: string, args: string[], seed: (dataDir: string) => void): Promise<{ keys: number; log: string[] }> => {
        const pod = await sandbox.createPod(name);
        seed(pod.dataDir);
        await pod.start({ kind: 'redis-server', args: ['--save', '', ...args] });
        const keys = Number(await pod.command('DBSIZE'));
        const log = pod
          .lastLines(40)
          .filter((l) => /AOF|RDB|DB loaded|Creating/.test(l))
          .map((l) => l.replace(/^\d+:[A-Z] [^*#-]+[*#-] /, ''));
        await pod.kill();
        return { keys, log };
      };
      const rdbAofYes = await dbsize('rdb-aof-yes', ['--appendonly', 'yes'], (d) => copyFileSync(rdb, path.join(d, 'dump.rdb')));
      const rdbAofNo = await dbsize('rdb-aof-no', ['--appendonly', 'no'], (d) => copyFileSync(rdb, path.join(d, 'dump.rdb')));
      const base = await dbsize('aof-base', ['--appendonly', 'yes'], (d) => {
        mkdirSync(path.join(d, 'appendonlydir'));
        copyFileSync(rdb, path.join(d, 'appendonlydir', 'appendonly.aof.1.base.rdb'));
        writeFileSync(path.join(d, 'appendonlydir', 'appendonly.aof.manifest'), 'file appendonly.aof.1.base.rdb seq 1 type b\n');
      });
      figure(
        `redis 7.0 with ${shard.file} (${shard.keys} keys): dump.rdb + appendonly yes -> ${rdbAofYes.keys} keys (${rdbAofYes.log.join('; ')}); dump.rdb + appendonly no -> ${rdbAofNo.keys} keys; AOF base + manifest + appendonly yes -> ${base.keys} keys`,
      );
      expect(rdbAofYes.keys).toBe(0);
      expect(rdbAofYes.log.join('\n')).toMatch(/Creating AOF base file appendonly\.aof\.1\.base\.rdb on server start/);
      expect(rdbAofNo.keys).toBe(shard.keys);
      expect(base.keys).toBe(shard.keys);
    },
    STEP_TIMEOUT_MS,
  );
});
