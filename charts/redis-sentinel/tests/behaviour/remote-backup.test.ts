/**
 * Off-cluster backups of a Sentinel group with client-side encryption, with the chart's own
 * scripts as rendered by helm: the backup Job's backup.sh (init container) and remote-sync.sh (the
 * `upload` container, Debian's rclone with the chart's env, rclone crypt with the password from
 * the Secret) against a REAL S3 endpoint on 127.0.0.1 (s3rver); then a FRESH release's `fetch`
 * (remote-sync.sh) and `restore` (restore.sh) init containers, its normal start, key for key. The
 * bucket must hold no plaintext name and no plaintext data; a wrong password restores nothing.
 * s3rver does not check signatures: these tests prove the protocol and the data, not
 * authentication. Timings and the encryption overhead are printed, never asserted.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { compareTypedKeys, makeTypedKeySet, nodeKeyCommand, rcloneBinary, S3Server, Sandbox, writeTypedKeys, type Pod, type TypedEntry } from '@redis-gitops/redis-testkit';
import { RedisSentinelChart, secretValue } from './redis-sentinel-chart.ts';
import { waitForGroup } from './sentinel-group.ts';

// A step moves every key (write, back up, restore, then compare every key, value, type and TTL):
// with 100k keys the compare alone took 87 s on the 2-core machine while other suites ran, and a
// restore step 253 s, a sixth of the test command's budget. 20k keys of five types prove the same
// round trip; the chart README's backup figures run 100k (`npm run figures:backup`). The timeout
// is a bound against a hang, not a performance target.
const STEP_TIMEOUT_MS = 360_000;
const KEYS = 20_000;
const BUCKET = 'redis-backups';
const RELEASE = 'src';
const SET_NAME = /^\d{8}T\d{6}Z$/;
const SENTINEL_AUTH = ['sentinel.auth.existingSecret=sentinel-auth', 'sentinel.auth.passwordKey=sentinel-password'];

interface Group {
  readonly sandbox: Sandbox;
  readonly chart: RedisSentinelChart;
  readonly redis: Pod[];
  readonly sentinels: Pod[];
}

const sandboxes: Sandbox[] = [];
let s3: S3Server;
let source: Group;
let backupDir = '';
let keys: Map<string, TypedEntry>;
let theSet = '';
const figures: string[] = [];
const figure = (s: string) => {
  figures.push(s);
  console.log(s);
};

const remoteValues = (passwordSecret: string) => [
  `backup.remote.endpoint=${s3.endpoint}`,
  `backup.remote.bucket=${BUCKET}`,
  `backup.remote.prefix=${RELEASE}`,
  'backup.remote.pathStyle=true',
  'backup.remote.credentialsSecret=s3-creds',
  'backup.remote.encryption.enabled=true',
  `backup.remote.encryption.passwordSecret=${passwordSecret}`,
];
const listFiles = (dir: string): string[] => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};

async function newGroup(name: string, set: string[], release = RELEASE): Promise<Group> {
  const sandbox = await Sandbox.create({ name, ports: [6379, 26379], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
  sandboxes.push(sandbox);
  const chart = await RedisSentinelChart.render(sandbox, { release, set: [...SENTINEL_AUTH, ...set] });
  chart.backupDir = backupDir;
  const { redis, sentinels } = await chart.createPods();
  return { sandbox, chart, redis, sentinels };
}

async function startGroup(g: Group, what: string): Promise<{ master: Pod; ms: number }> {
  const t0 = Date.now();
  await Promise.all([...g.redis, ...g.sentinels].map((p) => g.chart.start(p)));
  const state = await waitForGroup(g.redis, g.sentinels, g.chart.masterSet, what, 90_000, () => g.sandbox.describe(25));
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

beforeAll(async () => {
  rcloneBinary(); // fails loudly, naming tools/setup.sh, when rclone is missing
  const root = await Sandbox.create({ name: 'sentinel-remote-backup', ports: [6379, 26379], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
  sandboxes.push(root);
  s3 = await S3Server.start(root, { bucket: BUCKET, accessKeyId: secretValue('s3-creds', 'access-key-id') });
  backupDir = path.join(root.root, 'backup-volume');
  mkdirSync(backupDir);
  source = await newGroup('sentinel-remote-source', ['backup.enabled=true', 'backup.retention=2', 'backup.remote.enabled=true', ...remoteValues('backup-crypt')]);
  const { master } = await startGroup(source, 'the source group to form');
  keys = makeTypedKeySet('rb', KEYS);
  const t0 = Date.now();
  await withMaster(master, (cmd) => writeTypedKeys(cmd, keys, 256));
  figure(`wrote ${keys.size} keys of five types (every 7th with a TTL) in ${Date.now() - t0}ms`);
}, STEP_TIMEOUT_MS);

afterAll(async () => {
  const errors: string[] = [];
  for (const s of sandboxes) await s.cleanup().catch((e: Error) => errors.push(e.message));
  for (const s of sandboxes) for (const p of s.pods) expect(p.running).toBe(false);
  for (const s of sandboxes) for (const j of s.jobs) expect(j.running).toBe(false);
  if (figures.length > 0) console.log(`remote backup figures (redis 7.0, 1 master + 2 replicas + 3 Sentinels, rclone crypt, s3rver on loopback, ${keys?.size ?? 0} keys):\n  ${figures.join('\n  ')}`);
  expect(errors).toEqual([]);
});

describe('redis-sentinel backups to an S3 bucket with rclone crypt (remote-sync.sh, s3rver on 127.0.0.1)', () => {
  it(
    'the backup Job uploads the set encrypted: the bucket holds no plaintext key name and no plaintext data',
    async () => {
      const { chart } = source;
      expect(chart.backup?.init).toBe(true);
      const b = await chart.startBackup('run-1-backup').succeeded(60_000);
      const u = await chart.startUpload('run-1-upload').succeeded(60_000);
      const out = u.output.join('\n');
      theSet = readdirSync(backupDir).filter((n) => SET_NAME.test(n))[0]!;
      expect(theSet).toMatch(SET_NAME);
      expect(out).toMatch(new RegExp(`remote-sync: set ${theSet} complete in the bucket s3://${BUCKET}/${RELEASE} \\(rclone crypt: names and data encrypted\\)`));
      const objects = s3.objects(`${RELEASE}/`);
      const local = ['SHA256SUMS', 'manifest.json', 'master.rdb'];
      expect(objects).toHaveLength(local.length);
      // No plaintext name: neither the set, nor a file name, anywhere in the keys.
      for (const o of objects) {
        expect({ key: o.key, plain: [theSet, ...local, 'master', 'manifest', 'SHA256', '.rdb'].filter((n) => o.key.includes(n)) }).toEqual({ key: o.key, plain: [] });
        const body = readFileSync(s3.objectFile(o.key));
        // rclone crypt's file header, then ciphertext: no RDB magic, no manifest JSON, no key of the dataset.
        expect({ key: o.key, magic: body.subarray(0, 8).toString('latin1') }).toEqual({ key: o.key, magic: 'RCLONE\0\0' });
        expect({ key: o.key, hits: ['REDIS0', '"mode"', 'sentinel', 'rb:string:'].filter((n) => body.includes(n)) }).toEqual({ key: o.key, hits: [] });
      }
      const localBytes = local.reduce((n, f) => n + statSync(path.join(backupDir, theSet, f)).size, 0);
      const bucketBytes = objects.reduce((n, o) => n + o.bytes, 0);
      figure(
        `backup Job: backup.sh ${b.durationMs}ms + encrypted upload ${u.durationMs}ms; set ${localBytes} B on the volume -> ${bucketBytes} B in the bucket (+${bucketBytes - localBytes} B, +${((100 * (bucketBytes - localBytes)) / localBytes).toFixed(2)}% for rclone crypt)`,
      );
      figure(`bucket keys: ${objects.map((o) => o.key).join(', ')}`);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'a FRESH group restores from the encrypted bucket: fetch decrypts and verifies, restore.sh seeds pod 0; every key, value, type and TTL is back',
    async () => {
      const g = await newGroup('sentinel-remote-restore', [...remoteValues('backup-crypt'), `restore.fromSet=${theSet}`, 'restore.source=remote'], 'fresh');
      expect(g.chart.redisInitContainers).toEqual(['fetch', 'restore']);
      const t0 = Date.now();
      const fetched = await Promise.all(g.redis.map((p) => g.chart.runFetch(p)));
      const fetchMs = Date.now() - t0;
      for (const [i, r] of fetched.entries()) expect({ pod: g.redis[i]!.name, code: r.code, err: r.code === 0 ? '' : r.stderr }).toEqual({ pod: g.redis[i]!.name, code: 0, err: '' });
      expect(fetched[0]!.stderr).toMatch(new RegExp(`set ${theSet} downloaded and checked against its manifest \\(1 data file\\(s\\), \\d+ bytes, sha256 verified\\)`));
      const t1 = Date.now();
      const restored = await Promise.all(g.redis.map((p) => g.chart.runRestore(p)));
      const restoreMs = Date.now() - t1;
      for (const [i, r] of restored.entries()) expect({ pod: g.redis[i]!.name, code: r.code, err: r.code === 0 ? '' : r.stderr }).toEqual({ pod: g.redis[i]!.name, code: 0, err: '' });
      expect(restored[0]!.stderr).toMatch(new RegExp(`pod ${g.redis[0]!.name} is pod 0, the first master: seeding it from set ${theSet}, master.rdb`));
      expect(listFiles(g.redis[0]!.dataDir)).toEqual(['appendonlydir', 'restored-from']);
      for (const p of g.redis.slice(1)) expect(listFiles(p.dataDir)).toEqual([]);
      const { master, ms } = await startGroup(g, 'the restored group to form');
      expect(master).toBe(g.redis[0]);
      const t2 = Date.now();
      const report = await withMaster(master, (cmd) => compareTypedKeys(cmd, keys, 256));
      expect(report.problems.slice(0, 10)).toEqual([]);
      expect(report.ok).toBe(true);
      figure(`restore from the encrypted bucket: fetch on 3 pods ${fetchMs}ms, restore.sh ${restoreMs}ms, group whole ${ms}ms later; ${report.summary} (compared in ${Date.now() - t2}ms)`);
      for (const r of g.redis.slice(1)) {
        const n = Number(/keys=(\d+)/.exec((await r.info('keyspace')).db0 ?? '')?.[1] ?? 0);
        expect({ pod: r.name, keys: n }).toEqual({ pod: r.name, keys: keys.size });
      }
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'with another crypt password the set is not found (names do not decrypt): every fetch fails, nothing is seeded',
    async () => {
      const g = await newGroup('sentinel-remote-wrong-key', [...remoteValues('other-crypt'), `restore.fromSet=${theSet}`, 'restore.source=remote'], 'wrong');
      const results = await Promise.all(g.redis.map((p) => g.chart.runFetch(p)));
      for (const [i, r] of results.entries()) {
        expect({ pod: g.redis[i]!.name, code: r.code }).toEqual({ pod: g.redis[i]!.name, code: 1 });
        expect(r.stderr).toMatch(
          new RegExp(`FATAL: no set ${theSet} in s3://${BUCKET}/${RELEASE} \\(rclone crypt: names and data encrypted\\); nothing was restored. Complete sets in the bucket: none`),
        );
        expect(listFiles(g.redis[i]!.dataDir)).toEqual([]);
      }
      figure(`wrong crypt password: ${results[0]!.stderr.split('\n').find((l) => /FATAL/.test(l))}`);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'the restore drill from the encrypted bucket (backup.drill, source auto): fetch downloads and decrypts the newest complete set, drill.sh passes on it; with another crypt password it fails',
    async () => {
      const drillValues = ['backup.enabled=true', 'backup.drill.enabled=true', 'backup.remote.enabled=true'];
      const g = await newGroup('sentinel-remote-drill', [...drillValues, ...remoteValues('backup-crypt')]);
      const r = await g.chart.runRemoteDrill('good');
      const fetchOut = r.fetch.output.join('\n');
      expect({ code: r.fetch.code, out: r.fetch.code === 0 ? '' : fetchOut }).toEqual({ code: 0, out: '' });
      expect(fetchOut).toMatch(new RegExp(`remote-sync: bucket s3://${BUCKET}/${RELEASE} \\(rclone crypt: names and data encrypted\\): 1 complete set\\(s\\); drilling the newest, ${theSet}`));
      const drillOut = r.drill!.output.join('\n');
      expect({ code: r.drill!.code, out: r.drill!.code === 0 ? '' : drillOut }).toEqual({ code: 0, out: '' });
      expect(drillOut).toMatch(new RegExp(`drill: PASSED: set ${theSet} restores: 1 shard\\(s\\), \\d+ keys, every check passed`));
      figure(`drill from the encrypted bucket: fetch ${r.fetch.durationMs}ms + drill.sh ${r.drill!.durationMs}ms`);

      const wrong = await newGroup('sentinel-remote-drill-wrong-key', [...drillValues, ...remoteValues('other-crypt')], 'wrong');
      const w = await wrong.chart.runRemoteDrill('wrong-key');
      expect({ code: w.fetch.code, drill: w.drill }).toEqual({ code: 1, drill: undefined });
      expect(w.fetch.output.join('\n')).toMatch(
        new RegExp(`FATAL: no complete set in s3://${BUCKET}/${RELEASE} \\(rclone crypt: names and data encrypted\\) \\(no <set>/manifest.json under the prefix\\): the drill FAILED`),
      );
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'a damaged object in the bucket fails the drill at its fetch, naming the file; drill.sh never runs on it',
    async () => {
      // The largest object is master.rdb's ciphertext: flip one byte (rclone crypt authenticates every block).
      const largest = s3.objects(`${RELEASE}/`).sort((a, b) => b.bytes - a.bytes)[0]!;
      const file = s3.objectFile(largest.key);
      const bytes = readFileSync(file);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = (bytes[at] ?? 0) ^ 0xff;
      writeFileSync(file, bytes);
      const g = await newGroup('sentinel-remote-drill-damaged', ['backup.enabled=true', 'backup.drill.enabled=true', 'backup.remote.enabled=true', ...remoteValues('backup-crypt')]);
      const r = await g.chart.runRemoteDrill('damaged');
      const out = r.fetch.output.join('\n');
      expect({ code: r.fetch.code, drill: r.drill }).toEqual({ code: 1, drill: undefined });
      expect(out).toMatch(
        new RegExp(
          `FATAL: (downloading set ${theSet} from .* failed \\(a missing or damaged object\\)|set ${theSet} downloaded from .* has master\\.rdb).*the drill FAILED: the set in the bucket is not restorable`,
        ),
      );
      figure(`damaged object, drill: ${out.split('\n').find((l) => /FATAL/.test(l))}`);
    },
    STEP_TIMEOUT_MS,
  );
});
