/**
 * Off-cluster backups with the chart's own scripts, as rendered by helm: the backup Job's
 * backup.sh (init container) and remote-sync.sh (the `upload` container, run with Debian's rclone
 * and the chart's env) against a REAL S3 endpoint on 127.0.0.1 (s3rver), then the Redis pods'
 * `fetch` (remote-sync.sh) and `restore` (restore.sh) init containers of a FRESH release, its
 * normal start and bootstrap, key for key. Also: an upload killed midway, bucket retention, and a
 * damaged or missing object. s3rver does not check signatures (README of the chart): these tests
 * prove the protocol and the data, not authentication. Timings are printed, never asserted.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  engineLabel,
  compareTypedKeys,
  containerOf,
  makeTypedKeySet,
  rcloneBinary,
  S3Server,
  Sandbox,
  waitFor,
  waitHealthy,
  writeTypedKeys,
  type Pod,
  type TypedEntry,
  withClusterKeys,
} from '@redis-gitops/redis-testkit';
import { BackupHarness, listFiles, runRemoteDrill } from './backup-harness.ts';
import { RedisClusterChart, secretValue, TEST_PASSWORD } from './redis-cluster-chart.ts';

const STEP_TIMEOUT_MS = 120_000;
const KEYS = 10_000;
const BUCKET = 'redis-backups';
const RELEASE = 'src';
const EVEN = ['0-5460', '5461-10922', '10923-16383'];
const SET_FILES = ['SHA256SUMS', 'manifest.json', 'shard-0.rdb', 'shard-1.rdb', 'shard-2.rdb'];

const sandboxes: Sandbox[] = [];
let s3: S3Server;
let source: { chart: RedisClusterChart; pods: Pod[]; backup: BackupHarness };
let keys: Map<string, TypedEntry>;
let firstSet = '';
const figures: string[] = [];
const figure = (s: string) => {
  figures.push(s);
  console.log(s);
};

const remoteValues = (endpoint: string) => [`backup.remote.endpoint=${endpoint}`, `backup.remote.bucket=${BUCKET}`, 'backup.remote.pathStyle=true', 'backup.remote.credentialsSecret=s3-creds'];
const sha = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');

/** Complete sets in the bucket (a folder with manifest.json), and every set-named folder. */
function bucketSets(): { complete: string[]; all: string[] } {
  const objs = s3.objects(`${RELEASE}/`).map((o) => o.key.slice(RELEASE.length + 1));
  const all = [...new Set(objs.map((k) => k.split('/')[0]!))].sort();
  return { complete: all.filter((s) => objs.includes(`${s}/manifest.json`)), all };
}
const setObjects = (set: string) => s3.objects(`${RELEASE}/${set}/`).map((o) => o.key.slice(`${RELEASE}/${set}/`.length));
/** The objects s3rver logged as stored (keys, in order) from its log line `from` on. */
const putsSince = (from: number) =>
  s3.job
    .lines()
    .slice(from)
    .flatMap((l) => {
      const m = /Stored object "([^"]+)" in bucket/.exec(l);
      return m ? [m[1]!] : [];
    });

async function newSandbox(name: string): Promise<Sandbox> {
  const s = await Sandbox.create({ name });
  sandboxes.push(s);
  return s;
}

/** One backup Job: backup.sh (the init container), then the upload container, as Kubernetes runs them. */
async function backupJob(name: string) {
  const { backup } = source;
  const b = await backup.startBackup(`${name}-backup`).succeeded(60_000);
  const u = await backup.startUpload(`${name}-upload`).succeeded(60_000);
  return { backupMs: b.durationMs, uploadMs: u.durationMs, out: u.output.join('\n') };
}

/** A fresh release restoring `set` from the bucket: its pods created (not started). */
async function freshRelease(name: string, set: string) {
  const sandbox = await newSandbox(name);
  const chart = await RedisClusterChart.render(sandbox, {
    set: [...remoteValues(s3.endpoint), `backup.remote.prefix=${RELEASE}`, `restore.fromSet=${set}`, 'restore.source=remote'],
  });
  const restore = new BackupHarness(chart, path.join(sandbox.root, 'unused-backup-volume'));
  const pods = await chart.createPods();
  return { chart, restore, pods };
}

/** A release whose restore drill takes the newest complete set from the bucket (source auto). */
async function drillRelease(name: string, extra: string[] = []) {
  const sandbox = await newSandbox(name);
  return RedisClusterChart.render(sandbox, {
    set: ['backup.enabled=true', 'backup.drill.enabled=true', 'backup.remote.enabled=true', ...remoteValues(s3.endpoint), `backup.remote.prefix=${RELEASE}`, ...extra],
  });
}

beforeAll(async () => {
  rcloneBinary(); // fails loudly, naming tools/setup.sh, when rclone is missing
  const sandbox = await newSandbox('cluster-remote-backup');
  s3 = await S3Server.start(sandbox, { bucket: BUCKET, accessKeyId: secretValue('s3-creds', 'access-key-id') });
  const chart = await RedisClusterChart.render(sandbox, {
    release: RELEASE,
    set: ['backup.enabled=true', 'backup.retention=2', 'backup.remote.enabled=true', ...remoteValues(s3.endpoint)],
  });
  const pods = await chart.createPods();
  const backup = new BackupHarness(chart, path.join(sandbox.root, 'backup-volume'));
  source = { chart, pods, backup };
  await Promise.all(pods.map((p) => chart.startNode(p)));
  await chart.startBootstrap().succeeded(120_000);
  await waitHealthy(pods, 60_000);
  keys = makeTypedKeySet('rb', KEYS);
  const t0 = Date.now();
  await withClusterKeys(pods, { password: TEST_PASSWORD }, (cmd) => writeTypedKeys(cmd, keys, 256));
  figure(`wrote ${keys.size} keys (five types, every 7th with a TTL) in ${Date.now() - t0}ms`);
}, STEP_TIMEOUT_MS);

afterAll(async () => {
  const errors: string[] = [];
  for (const s of sandboxes) await s.cleanup().catch((e: Error) => errors.push(e.message));
  for (const s of sandboxes) for (const p of s.pods) expect(p.running).toBe(false);
  for (const s of sandboxes) for (const j of s.jobs) expect(j.running).toBe(false);
  if (figures.length > 0) console.log(`remote backup figures (${engineLabel()}, 3 masters + 3 replicas, s3rver + rclone on loopback, ${keys?.size ?? 0} keys):\n  ${figures.join('\n  ')}`);
  expect(errors).toEqual([]);
});

describe('redis-cluster backups to an S3 bucket (remote-sync.sh + rclone, s3rver on 127.0.0.1)', () => {
  it(
    'the backup Job uploads the new set: data files first, manifest.json last, each object equal to the local file; a second run uploads nothing',
    async () => {
      const { backup } = source;
      expect(containerOf(backup.cronJob, 'backup').init).toBe(true);
      const from = s3.job.lines().length;
      const r = await backupJob('run-1');
      figure(`backup Job 1: backup.sh ${r.backupMs}ms + upload ${r.uploadMs}ms`);
      firstSet = backup.completeSets()[0] ?? '';
      expect(backup.completeSets()).toEqual([firstSet]);
      expect(bucketSets()).toEqual({ complete: [firstSet], all: [firstSet] });
      expect(setObjects(firstSet).sort()).toEqual(SET_FILES);
      for (const f of SET_FILES) {
        const local = readFileSync(path.join(backup.backupDir, firstSet, f));
        expect({ f, sha: sha(readFileSync(s3.objectFile(`${RELEASE}/${firstSet}/${f}`))) }).toEqual({ f, sha: sha(local) });
      }
      // s3rver's own log: manifest.json is the last object written, after every data file.
      const puts = putsSince(from);
      expect(puts.at(-1)).toBe(`${RELEASE}/${firstSet}/manifest.json`);
      expect(puts.slice(0, -1).sort()).toEqual(SET_FILES.filter((f) => f !== 'manifest.json').map((f) => `${RELEASE}/${firstSet}/${f}`));
      expect(r.out).toMatch(new RegExp(`remote-sync: uploading set ${firstSet} \\(3 data file\\(s\\), \\d+ bytes, checked against its manifest\\)`));
      expect(r.out).toMatch(/remote-sync: retention: 1 complete set\(s\) in the bucket, keeping up to 2; nothing to prune/);
      // The local copy stays.
      expect(listFiles(path.join(backup.backupDir, firstSet))).toEqual(SET_FILES);

      const from2 = s3.job.lines().length;
      const again = await backup.startUpload('run-1-again').succeeded(60_000);
      expect(again.output.join('\n')).toMatch(new RegExp(`set ${firstSet} is already complete in the bucket: nothing to upload`));
      expect(putsSince(from2)).toEqual([]);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'a FRESH release restores from the bucket: fetch downloads and verifies the set, restore.sh seeds the first masters; every key, value, type and TTL is back',
    async () => {
      const { chart, restore, pods } = await freshRelease('cluster-remote-restore', firstSet);
      expect(restore.initContainers).toEqual(['fetch', 'restore']);
      const t0 = Date.now();
      const fetched = await Promise.all(pods.map((p) => restore.runFetch(p)));
      const fetchMs = Date.now() - t0;
      for (const [i, r] of fetched.entries()) expect({ pod: pods[i]!.name, code: r.code, err: r.code === 0 ? '' : r.stderr }).toEqual({ pod: pods[i]!.name, code: 0, err: '' });
      expect(fetched[0]!.stderr).toMatch(new RegExp(`set ${firstSet} downloaded and checked against its manifest \\(3 data file\\(s\\), \\d+ bytes, sha256 verified\\)`));
      // The download lands in the pod's scratch volume, never on the data volume.
      for (const p of pods) expect(listFiles(p.dataDir)).toEqual([]);
      const t1 = Date.now();
      const restored = await Promise.all(pods.map((p) => restore.runRestore(p)));
      const restoreMs = Date.now() - t1;
      for (const [i, r] of restored.entries()) expect({ pod: pods[i]!.name, code: r.code, err: r.code === 0 ? '' : r.stderr }).toEqual({ pod: pods[i]!.name, code: 0, err: '' });
      for (const [i, slots] of [
        [0, EVEN[0]],
        [2, EVEN[1]],
        [4, EVEN[2]],
      ] as const) {
        expect(restored[i]!.stderr).toMatch(new RegExp(`pod ${pods[i]!.name} is the first master of shard ${i / 2} \\(slots ${slots}\\)`));
        expect(listFiles(pods[i]!.dataDir)).toEqual(['appendonlydir/appendonly.aof.1.base.rdb', 'appendonlydir/appendonly.aof.manifest', 'restored-from']);
      }
      for (const i of [1, 3, 5]) expect(listFiles(pods[i]!.dataDir)).toEqual([]);
      const t2 = Date.now();
      await Promise.all(pods.map((p) => chart.startNode(p)));
      await chart.startBootstrap().succeeded(120_000);
      await waitHealthy(pods, 60_000);
      const formMs = Date.now() - t2;
      const t3 = Date.now();
      const report = await withClusterKeys(pods, { password: TEST_PASSWORD }, (cmd) => compareTypedKeys(cmd, keys, 256));
      expect(report.problems.slice(0, 10)).toEqual([]);
      expect(report.ok).toBe(true);
      figure(
        `restore from the bucket (${keys.size} keys): fetch on 6 pods at once ${fetchMs}ms, restore.sh ${restoreMs}ms, start + bootstrap ${formMs}ms; ${report.summary} (compared in ${Date.now() - t3}ms)`,
      );
      // A pod restart: the fetch leaves a volume that holds data alone (downloads nothing).
      const again = await restore.runFetch(pods[0]!);
      expect(again.code).toBe(0);
      expect(again.stderr).toMatch(/the data volume already holds data \(.*restored-from.*\): never overwritten; not downloading/);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'the restore drill from the bucket (backup.drill, source auto): fetch takes the newest complete set, drill.sh passes on it; an empty prefix fails the drill',
    async () => {
      const r = await runRemoteDrill(await drillRelease('cluster-remote-drill'), 'good');
      const fetchOut = r.fetch.output.join('\n');
      expect({ code: r.fetch.code, out: r.fetch.code === 0 ? '' : fetchOut }).toEqual({ code: 0, out: '' });
      expect(fetchOut).toMatch(new RegExp(`remote-sync: bucket s3://${BUCKET}/${RELEASE}: 1 complete set\\(s\\); drilling the newest, ${firstSet}`));
      const drillOut = r.drill!.output.join('\n');
      expect({ code: r.drill!.code, out: r.drill!.code === 0 ? '' : drillOut }).toEqual({ code: 0, out: '' });
      expect(drillOut).toMatch(new RegExp(`drill: PASSED: set ${firstSet} restores: 3 shard\\(s\\), \\d+ keys, every check passed`));
      figure(`drill from the bucket (${keys.size} keys, 3 shards): fetch ${r.fetch.durationMs}ms + drill.sh ${r.drill!.durationMs}ms`);

      const empty = await runRemoteDrill(await drillRelease('cluster-remote-drill-empty', ['backup.remote.prefix=nothing-here']), 'empty');
      expect({ code: empty.fetch.code, drill: empty.drill }).toEqual({ code: 1, drill: undefined });
      expect(empty.fetch.output.join('\n')).toMatch(new RegExp(`FATAL: no complete set in s3://${BUCKET}/nothing-here \\(no <set>/manifest.json under the prefix\\): the drill FAILED`));
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'an upload killed midway leaves a set without manifest.json: never complete, refused by a restore, uploaded again by the next run',
    async () => {
      const { backup } = source;
      await backup.startBackup('run-2-backup').succeeded(60_000);
      const killedSet = backup.completeSets().at(-1)!;
      expect(killedSet > firstSet).toBe(true);
      const job = backup.startUpload('run-2-upload-killed');
      await job.waitForOutput(/remote-sync: uploading set/, 30_000);
      // Freeze the S3 endpoint once the first data object of the set has landed, kill the Job, thaw.
      const landed = () => setObjects(killedSet).filter((f) => existsSync(`${s3.objectFile(`${RELEASE}/${killedSet}/${f}`)}.md5`));
      await waitFor('the first object of the set to land in the bucket', () => ({ done: landed().length > 0, state: setObjects(killedSet).join(', ') }), {
        timeoutMs: 30_000,
        intervalMs: 2,
      });
      process.kill(-s3.job.pid, 'SIGSTOP');
      try {
        await job.kill();
      } finally {
        process.kill(-s3.job.pid, 'SIGCONT');
      }
      const left = setObjects(killedSet);
      figure(`upload killed midway: the bucket holds ${left.length} object(s) of set ${killedSet} (${left.join(', ')}), no manifest.json`);
      expect(left).not.toContain('manifest.json');
      expect(left.length).toBeGreaterThan(0);
      expect(bucketSets()).toEqual({ complete: [firstSet], all: [firstSet, killedSet] });

      // A restore of it is refused by every pod's fetch; nothing is seeded.
      const { restore, pods } = await freshRelease('cluster-remote-incomplete', killedSet);
      const r = await restore.runFetch(pods[0]!);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `FATAL: set ${killedSet} in s3://${BUCKET}/${RELEASE} has no manifest.json: an upload that did not finish, not a set; nothing was restored. Complete sets in the bucket: ${firstSet}`,
        ),
      );
      expect(listFiles(pods[0]!.dataDir)).toEqual([]);

      // The next run uploads it again, whole.
      const u = await backup.startUpload('run-2-upload-again').succeeded(60_000);
      expect(u.output.join('\n')).toMatch(new RegExp(`set ${killedSet} is in the bucket without manifest.json \\(an upload that died\\): uploading it again`));
      expect(bucketSets()).toEqual({ complete: [firstSet, killedSet], all: [firstSet, killedSet] });
      expect(setObjects(killedSet).sort()).toEqual(SET_FILES);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'retention 2 in the bucket: exactly the newest 2 complete sets stay; an incomplete set older than the newest complete one is deleted',
    async () => {
      // An older incomplete set (an upload that died long ago): a data object, no manifest.json.
      const stale = '20200101T000000Z';
      const staleFile = path.join(source.chart.sandbox.root, 'stale-shard-0.rdb');
      writeFileSync(staleFile, 'REDIS0010 truncated');
      const env = { ...rcloneEnv(), RCLONE_CONFIG_BUCKET_NO_CHECK_BUCKET: 'true' };
      const put = await source.chart.sandbox.exec(rcloneBinary(), { args: ['--config', '', 'copyto', staleFile, `bucket:${BUCKET}/${RELEASE}/${stale}/shard-0.rdb`], env });
      expect({ code: put.code, err: put.stderr }).toEqual({ code: 0, err: '' });
      const before = bucketSets();
      expect(before.all).toContain(stale);
      const r3 = await backupJob('run-3');
      const sets3 = source.backup.completeSets();
      expect(r3.out).toMatch(new RegExp(`retention: deleted incomplete set ${stale} from the bucket \\(no manifest.json: an upload that died`));
      const r4 = await backupJob('run-4');
      const newest = source.backup.completeSets();
      expect(newest).toHaveLength(2);
      expect(newest[0]).toBe(sets3.at(-1));
      // Bucket and volume keep the same newest 2 sets; nothing incomplete is left behind.
      expect(bucketSets()).toEqual({ complete: newest, all: newest });
      expect(r4.out).toMatch(/retention: deleted set \d{8}T\d{6}Z from the bucket \(older than the newest 2 complete sets\)/);
      expect(r4.out).toMatch(new RegExp(`retention: kept ${newest.join(' ')} in the bucket`));
      figure(`backup Jobs 3 and 4: backup.sh ${r3.backupMs}/${r4.backupMs}ms + upload with retention ${r3.uploadMs}/${r4.uploadMs}ms; bucket keeps ${newest.join(', ')}`);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'a damaged or missing object fails every pod’s fetch with one clear line; no pod is seeded (never half a cluster)',
    async () => {
      const [older, newer] = bucketSets().complete as [string, string];
      // Damage: same size, other bytes (what bit rot or a bad copy leaves).
      const damaged = s3.objectFile(`${RELEASE}/${newer}/shard-1.rdb`);
      const bytes = readFileSync(damaged);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = (bytes[at] ?? 0) ^ 0xff;
      writeFileSync(damaged, bytes);
      const a = await freshRelease('cluster-remote-damaged', newer);
      const results = await Promise.all(a.pods.map((p) => a.restore.runFetch(p)));
      for (const [i, r] of results.entries()) {
        expect({ pod: a.pods[i]!.name, code: r.code }).toEqual({ pod: a.pods[i]!.name, code: 1 });
        expect(r.stderr).toMatch(/FATAL: .*shard-1\.rdb.*nothing was restored/);
        expect(listFiles(a.pods[i]!.dataDir)).toEqual([]);
      }
      figure(`damaged object: ${results[0]!.stderr.split('\n').find((l) => /FATAL/.test(l))}`);
      // The drill of the newest set (the damaged one) fails at its fetch; drill.sh never runs on it.
      const drilled = await runRemoteDrill(await drillRelease('cluster-remote-drill-damaged'), 'damaged');
      expect({ code: drilled.fetch.code, drill: drilled.drill }).toEqual({ code: 1, drill: undefined });
      expect(drilled.fetch.output.join('\n')).toMatch(new RegExp(`FATAL: .*set ${newer}.*shard-1\\.rdb.*the drill FAILED: the set in the bucket is not restorable`));
      // Missing: the object is gone from the bucket.
      s3.deleteObject(`${RELEASE}/${older}/shard-2.rdb`);
      const b = await freshRelease('cluster-remote-missing', older);
      const missing = await b.restore.runFetch(b.pods[4]!);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(new RegExp(`FATAL: set ${older} downloaded from s3://${BUCKET}/${RELEASE} lacks shard-2\\.rdb: the set in the bucket is damaged; nothing was restored`));
      expect(listFiles(b.pods[4]!.dataDir)).toEqual([]);
      figure(`missing object: ${missing.stderr.split('\n').find((l) => /FATAL/.test(l))}`);
      // Nothing half-downloaded stays in the scratch volume either.
      expect(existsSync(path.join(b.pods[4]!.dir, 'init', 'volumes', 'backup-download', `${older}.partial`))).toBe(false);
    },
    STEP_TIMEOUT_MS,
  );
});

/** The upload container's rclone env as rendered (the Secret stand-in filled in), for test-side bucket edits. */
function rcloneEnv(): Record<string, string> {
  const c = containerOf(source.backup.cronJob, 'upload');
  const env: Record<string, string> = {};
  for (const e of c.env) {
    if (!e.name.startsWith('RCLONE_CONFIG_BUCKET_')) continue;
    env[e.name] = e.value !== undefined ? String(e.value) : secretValue(String(e.valueFrom?.secretKeyRef?.name), String(e.valueFrom?.secretKeyRef?.key));
  }
  return env;
}
