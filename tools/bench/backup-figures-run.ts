/**
 * The measurements of `npm run figures:backup` (tools/bench/backup-figures.ts): the backup figures of
 * issue 15 for one chart mode, on real redis-server (and redis-sentinel) processes running the chart's
 * own scripts, Jobs and init containers as rendered by helm, through the same harness classes as the
 * behaviour tests (charts/<chart>/tests/behaviour/remote-backup.test.ts and drill.test.ts): the
 * testkit's Sandbox, S3Server (s3rver on 127.0.0.1) and typed key sets, the cluster chart's
 * RedisClusterChart + BackupHarness + startDrill, the sentinel chart's RedisSentinelChart.
 *
 * Per mode: a source deployment with N keys; then per run: backup.sh (a new set on the backup
 * volume), remote-sync.sh upload of that set to the bucket, the same set uploaded again by a release
 * rendered with backup.remote.encryption (its own prefix), drill.sh on the set, and a FRESH release
 * with restore.source=remote (its own sandbox: fetch, restore.sh, start until every key is served,
 * then every key compared). Every sandbox is cleaned up (processes killed by PID, temp dirs removed),
 * also on failure; tools/bench/cleanup.ts covers Ctrl-C and SIGTERM.
 *
 * rclone never sees AWS_CA_BUNDLE: sandbox processes get Sandbox.baseEnv() plus the rendered env
 * only (assertNoCaBundle checks that base env before anything starts).
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  assertNoCaBundle,
  compareTypedKeys,
  makeTypedKeySet,
  nodeKeyCommand,
  S3Server,
  Sandbox,
  waitFor,
  waitHealthy,
  writeTypedKeys,
  type JobResult,
  type KeyCommand,
  type Pod,
  type SandboxOptions,
  type TypedEntry,
  withClusterKeys,
} from '@redis-gitops/redis-testkit';
import { BackupHarness, startDrill } from '../../charts/redis-cluster/tests/behaviour/backup-harness.ts';
import { RedisClusterChart, secretValue as clusterSecret, TEST_PASSWORD } from '../../charts/redis-cluster/tests/behaviour/redis-cluster-chart.ts';
import { RedisSentinelChart, secretValue as sentinelSecret } from '../../charts/redis-sentinel/tests/behaviour/redis-sentinel-chart.ts';
import { waitForGroup } from '../../charts/redis-sentinel/tests/behaviour/sentinel-group.ts';
import { atCleanup } from './cleanup.ts';

export type Mode = 'cluster' | 'sentinel';
export const MODES: readonly Mode[] = ['cluster', 'sentinel'];

const BUCKET = 'redis-backups';
const RELEASE = 'src';
const PLAIN_PREFIX = 'src';
const CRYPT_PREFIX = 'src-crypt';
/** Every step's bound: generous, a step that hangs still ends the command with a clear error. */
const STEP_MS = 15 * 60_000;
const SENTINEL_SANDBOX: SandboxOptions = { ports: [6379, 26379], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] };
const SENTINEL_AUTH = ['sentinel.auth.existingSecret=sentinel-auth', 'sentinel.auth.passwordKey=sentinel-password'];

/** The figures of one run (times in ms, sizes in bytes). */
export interface RunFigures {
  readonly set: string;
  readonly backupMs: number;
  /** Every file of the set on the backup volume (data files, manifest.json, SHA256SUMS). */
  readonly setBytes: number;
  readonly setFiles: readonly string[];
  readonly uploadMs: number;
  /** The objects the plain upload added to the bucket. */
  readonly bucketBytes: number;
  readonly bucketObjects: number;
  readonly cryptUploadMs: number;
  readonly cryptBucketBytes: number;
  readonly cryptBucketObjects: number;
  readonly drillMs: number;
  readonly drillVerdict: string;
  /** Every pod's fetch init container at once. */
  readonly fetchMs: number;
  /** Every pod's restore init container at once. */
  readonly restoreMs: number;
  /** From starting every pod until the deployment is healthy and every key is served (masters and replicas hold them all). */
  readonly healthyMs: number;
  /** Keys the restored masters hold (must equal the keys written). */
  readonly restoredKeys: number;
  /** compareTypedKeys' summary of the restored data, key for key. */
  readonly compared: string;
}

export interface ModeFigures {
  readonly mode: Mode;
  /** e.g. "3 shards x (1 master + 1 replica)". */
  readonly topology: string;
  readonly keys: number;
  /** Mean bytes of key name + value(s) per key, as written. */
  readonly payloadBytesPerKey: number;
  readonly writeMs: number;
  /** The fresh release's pods that fetch and restore at once. */
  readonly restorePods: number;
  readonly runs: readonly RunFigures[];
}

export interface MeasureOptions {
  readonly keys: number;
  readonly runs: number;
  readonly log: (line: string) => void;
}

/** A sandbox that is cleaned up at the end, on failure, or on a signal. */
async function ownSandbox(name: string, options: SandboxOptions = {}): Promise<{ sandbox: Sandbox; done: () => Promise<void> }> {
  const sandbox = await Sandbox.create({ name, ...options });
  const release = atCleanup(() => sandbox.cleanup());
  return {
    sandbox,
    done: async () => {
      release();
      await sandbox.cleanup();
    },
  };
}

/** Runs `fn` with sandboxes that are cleaned up however it ends. */
async function withSandboxes<T>(fn: (own: (name: string, options?: SandboxOptions) => Promise<Sandbox>) => Promise<T>): Promise<T> {
  const owned: Array<() => Promise<void>> = [];
  const own = async (name: string, options?: SandboxOptions) => {
    const s = await ownSandbox(name, options);
    owned.push(s.done);
    return s.sandbox;
  };
  try {
    return await fn(own);
  } finally {
    for (const done of owned.reverse()) await done();
  }
}

/** Bytes of key names and values as written (hash: fields and values; zset: members and scores as sent). */
export function payloadBytes(keys: ReadonlyMap<string, TypedEntry>): number {
  let n = 0;
  for (const [key, e] of keys) {
    n += Buffer.byteLength(key);
    switch (e.type) {
      case 'string':
        n += Buffer.byteLength(e.value);
        break;
      case 'hash':
        for (const [f, v] of Object.entries(e.value)) n += Buffer.byteLength(f) + Buffer.byteLength(v);
        break;
      case 'list':
      case 'set':
        for (const v of e.value) n += Buffer.byteLength(v);
        break;
      case 'zset':
        for (const [m, s] of e.value) n += Buffer.byteLength(m) + String(s).length;
        break;
    }
  }
  return n;
}

const setFiles = (dir: string): { files: string[]; bytes: number } => {
  const files = readdirSync(dir).sort();
  return { files, bytes: files.reduce((n, f) => n + statSync(path.join(dir, f)).size, 0) };
};

/** The objects under `prefix` that were not in `before`: what one upload added. */
function added(s3: S3Server, prefix: string, before: ReadonlySet<string>): { bytes: number; objects: number } {
  const fresh = s3.objects(`${prefix}/`).filter((o) => !before.has(o.key));
  return { bytes: fresh.reduce((n, o) => n + o.bytes, 0), objects: fresh.length };
}
const keysUnder = (s3: S3Server, prefix: string): Set<string> => new Set(s3.objects(`${prefix}/`).map((o) => o.key));

const remoteValues = (s3: S3Server, prefix: string) => [
  `backup.remote.endpoint=${s3.endpoint}`,
  `backup.remote.bucket=${BUCKET}`,
  `backup.remote.prefix=${prefix}`,
  'backup.remote.pathStyle=true',
  'backup.remote.credentialsSecret=s3-creds',
];
const cryptValues = ['backup.remote.encryption.enabled=true', 'backup.remote.encryption.passwordSecret=backup-crypt'];

const dbsize = async (p: Pod): Promise<number> => Number(await p.command('DBSIZE'));

function drillVerdict(output: readonly string[]): string {
  const line = output.find((l) => /drill: (PASSED|FAILED)/.test(l)) ?? '(no verdict line)';
  return line.replace(/^.*?drill: /, '');
}

/** One run's figures, from its Jobs' results, the sizes on the volume and in the bucket, and the restore. */
function runFigures(
  set: string,
  jobs: { readonly backup: JobResult; readonly upload: JobResult; readonly cryptUpload: JobResult; readonly drill: JobResult },
  sizes: { readonly local: { files: string[]; bytes: number }; readonly plain: { bytes: number; objects: number }; readonly crypt: { bytes: number; objects: number } },
  restored: Pick<RunFigures, 'fetchMs' | 'restoreMs' | 'healthyMs' | 'restoredKeys' | 'compared'>,
): RunFigures {
  return {
    set,
    backupMs: jobs.backup.durationMs,
    setBytes: sizes.local.bytes,
    setFiles: sizes.local.files,
    uploadMs: jobs.upload.durationMs,
    bucketBytes: sizes.plain.bytes,
    bucketObjects: sizes.plain.objects,
    cryptUploadMs: jobs.cryptUpload.durationMs,
    cryptBucketBytes: sizes.crypt.bytes,
    cryptBucketObjects: sizes.crypt.objects,
    drillMs: jobs.drill.durationMs,
    drillVerdict: drillVerdict(jobs.drill.output),
    ...restored,
  };
}

function checkCompared(report: Awaited<ReturnType<typeof compareTypedKeys>>, what: string): string {
  if (!report.ok) throw new Error(`${what}: the restored data differs from what was written: ${report.summary}; first problems: ${report.problems.slice(0, 5).join('; ')}`);
  return report.summary;
}

// ---- redis-cluster -------------------------------------------------------------------------------

async function measureCluster(o: MeasureOptions): Promise<ModeFigures> {
  const log = (s: string) => o.log(`cluster: ${s}`);
  return withSandboxes(async (own) => {
    const root = await own('backup-figures-cluster');
    assertNoCaBundle(root.baseEnv()); // what every sandbox process (rclone included) starts from
    const s3 = await S3Server.start(root, { bucket: BUCKET, accessKeyId: clusterSecret('s3-creds', 'access-key-id') });
    log(`s3rver on ${s3.endpoint}`);
    const chart = await RedisClusterChart.render(root, {
      release: RELEASE,
      set: ['backup.enabled=true', `backup.retention=${o.runs + 1}`, 'backup.drill.enabled=true', 'backup.drill.source=volume', 'backup.remote.enabled=true', ...remoteValues(s3, PLAIN_PREFIX)],
    });
    const pods = await chart.createPods();
    const backup = new BackupHarness(chart, path.join(root.root, 'backup-volume'));
    // The same volume uploaded by a release rendered with encryption on (its own sandbox: its ConfigMaps never mix with the source's).
    const cryptChart = await RedisClusterChart.render(await own('backup-figures-cluster-crypt'), {
      release: RELEASE,
      set: ['backup.enabled=true', `backup.retention=${o.runs + 1}`, 'backup.remote.enabled=true', ...remoteValues(s3, CRYPT_PREFIX), ...cryptValues],
    });
    const cryptUpload = new BackupHarness(cryptChart, backup.backupDir);
    log(`starting ${pods.length} pods and the bootstrap Job`);
    await Promise.all(pods.map((p) => chart.startNode(p)));
    await chart.startBootstrap().succeeded(STEP_MS);
    await waitHealthy(pods, STEP_MS);
    const keys = makeTypedKeySet('bf', o.keys);
    log(`writing ${keys.size} keys`);
    const t0 = Date.now();
    await withClusterKeys(pods, { password: TEST_PASSWORD }, (cmd) => writeTypedKeys(cmd, keys, 256));
    const writeMs = Date.now() - t0;
    log(`wrote ${keys.size} keys in ${(writeMs / 1000).toFixed(1)} s`);

    const runs: RunFigures[] = [];
    for (let i = 1; i <= o.runs; i++) {
      const tag = `run ${i}/${o.runs}`;
      log(`${tag}: backup.sh`);
      const b = await backup.startBackup(`run-${i}-backup`).succeeded(STEP_MS);
      const set = backup.completeSets().at(-1);
      if (!set) throw new Error('backup.sh succeeded but left no complete set on the backup volume');
      const local = setFiles(path.join(backup.backupDir, set));
      const manifestKeys = backup.manifest(set).shards.reduce((n, s) => n + s.keys, 0);
      if (manifestKeys !== keys.size) throw new Error(`set ${set}: the manifest counts ${manifestKeys} keys, ${keys.size} were written`);

      log(`${tag}: remote-sync.sh upload of set ${set} (${local.bytes} B)`);
      const plainBefore = keysUnder(s3, PLAIN_PREFIX);
      const u = await backup.startUpload(`run-${i}-upload`).succeeded(STEP_MS);
      const plain = added(s3, PLAIN_PREFIX, plainBefore);
      log(`${tag}: remote-sync.sh upload with rclone crypt`);
      const cryptBefore = keysUnder(s3, CRYPT_PREFIX);
      const e = await cryptUpload.startUpload(`run-${i}-upload-crypt`).succeeded(STEP_MS);
      const crypt = added(s3, CRYPT_PREFIX, cryptBefore);

      log(`${tag}: drill.sh on set ${set}`);
      const d = await startDrill(chart, backup.backupDir, `run-${i}`).succeeded(STEP_MS);

      log(`${tag}: a fresh release restoring set ${set} from the bucket`);
      const restored = await withSandboxes(async (ownRestore) => {
        const sandbox = await ownRestore(`backup-figures-cluster-restore-${i}`);
        const fresh = await RedisClusterChart.render(sandbox, {
          set: [...remoteValues(s3, PLAIN_PREFIX), `restore.fromSet=${set}`, 'restore.source=remote'],
        });
        const restore = new BackupHarness(fresh, path.join(sandbox.root, 'unused-backup-volume'));
        const freshPods = await fresh.createPods();
        const t1 = Date.now();
        const fetched = await Promise.all(freshPods.map((p) => restore.runFetch(p, {}, STEP_MS)));
        const fetchMs = Date.now() - t1;
        for (const [j, r] of fetched.entries()) if (r.code !== 0) throw new Error(`fetch of ${freshPods[j]!.name} exited ${r.code}:\n${r.stderr.trim().slice(-2000)}`);
        const t2 = Date.now();
        const seeded = await Promise.all(freshPods.map((p) => restore.runRestore(p, {}, STEP_MS)));
        const restoreMs = Date.now() - t2;
        for (const [j, r] of seeded.entries()) if (r.code !== 0) throw new Error(`restore of ${freshPods[j]!.name} exited ${r.code}:\n${r.stderr.trim().slice(-2000)}`);
        log(`${tag}: fetch ${fetchMs} ms, restore.sh ${restoreMs} ms; starting the restored release`);
        const t3 = Date.now();
        await Promise.all(freshPods.map((p) => fresh.startNode(p)));
        await fresh.startBootstrap().succeeded(STEP_MS);
        await waitHealthy(freshPods, STEP_MS);
        const served = await waitFor(
          `the restored cluster to serve ${keys.size} keys on its masters and replicas`,
          async () => {
            let masters = 0;
            let replicas = 0;
            for (const p of freshPods) {
              const n = await dbsize(p);
              if ((await p.info('replication')).role === 'master') masters += n;
              else replicas += n;
            }
            return { done: masters === keys.size && replicas === keys.size * fresh.replicasPerShard, state: `masters hold ${masters} keys, replicas ${replicas}`, value: masters };
          },
          { timeoutMs: STEP_MS, intervalMs: 50 },
        );
        const healthyMs = Date.now() - t3;
        log(`${tag}: healthy with every key after ${healthyMs} ms; comparing every key`);
        const compared = checkCompared(await withClusterKeys(freshPods, { password: TEST_PASSWORD }, (cmd) => compareTypedKeys(cmd, keys, 256)), 'redis-cluster restore from the bucket');
        return { fetchMs, restoreMs, healthyMs, restoredKeys: served.value ?? 0, compared };
      });
      runs.push(runFigures(set, { backup: b, upload: u, cryptUpload: e, drill: d }, { local, plain, crypt }, restored));
    }
    return {
      mode: 'cluster',
      topology: `${chart.shards} shards x (1 master + ${chart.replicasPerShard} replica${chart.replicasPerShard === 1 ? '' : 's'})`,
      keys: keys.size,
      payloadBytesPerKey: payloadBytes(keys) / keys.size,
      writeMs,
      restorePods: pods.length,
      runs,
    };
  });
}

// ---- redis-sentinel ------------------------------------------------------------------------------

interface Group {
  readonly sandbox: Sandbox;
  readonly chart: RedisSentinelChart;
  readonly redis: Pod[];
  readonly sentinels: Pod[];
}

async function sentinelGroup(sandbox: Sandbox, release: string, set: readonly string[], backupDir: string): Promise<Group> {
  const chart = await RedisSentinelChart.render(sandbox, { release, set: [...SENTINEL_AUTH, ...set] });
  chart.backupDir = backupDir;
  const { redis, sentinels } = await chart.createPods();
  return { sandbox, chart, redis, sentinels };
}

async function startGroup(g: Group, what: string): Promise<Pod> {
  await Promise.all([...g.redis, ...g.sentinels].map((p) => g.chart.start(p)));
  return (await waitForGroup(g.redis, g.sentinels, g.chart.masterSet, what, STEP_MS, () => g.sandbox.describe(25))).master;
}

async function withMaster<T>(master: Pod, fn: (cmd: KeyCommand) => Promise<T>): Promise<T> {
  const cmd = await nodeKeyCommand(master.connection());
  try {
    return await fn(cmd);
  } finally {
    cmd.close();
  }
}

async function measureSentinel(o: MeasureOptions): Promise<ModeFigures> {
  const log = (s: string) => o.log(`sentinel: ${s}`);
  return withSandboxes(async (own) => {
    const root = await own('backup-figures-sentinel', SENTINEL_SANDBOX);
    assertNoCaBundle(root.baseEnv()); // what every sandbox process (rclone included) starts from
    const s3 = await S3Server.start(root, { bucket: BUCKET, accessKeyId: sentinelSecret('s3-creds', 'access-key-id') });
    log(`s3rver on ${s3.endpoint}`);
    const backupDir = path.join(root.root, 'backup-volume');
    mkdirSync(backupDir);
    const source = await sentinelGroup(
      root,
      RELEASE,
      ['backup.enabled=true', `backup.retention=${o.runs + 1}`, 'backup.drill.enabled=true', 'backup.drill.source=volume', 'backup.remote.enabled=true', ...remoteValues(s3, PLAIN_PREFIX)],
      backupDir,
    );
    // The same volume uploaded by a release rendered with encryption on (its own sandbox: its scripts and configs never mix with the source's).
    const cryptChart = await RedisSentinelChart.render(await own('backup-figures-sentinel-crypt', SENTINEL_SANDBOX), {
      release: RELEASE,
      set: [...SENTINEL_AUTH, 'backup.enabled=true', `backup.retention=${o.runs + 1}`, 'backup.remote.enabled=true', ...remoteValues(s3, CRYPT_PREFIX), ...cryptValues],
    });
    cryptChart.backupDir = backupDir;
    log(`starting ${source.redis.length} Redis pods and ${source.sentinels.length} Sentinels`);
    const master = await startGroup(source, 'the source group to form');
    const keys = makeTypedKeySet('bf', o.keys);
    log(`writing ${keys.size} keys`);
    const t0 = Date.now();
    await withMaster(master, (cmd) => writeTypedKeys(cmd, keys, 256));
    const writeMs = Date.now() - t0;
    log(`wrote ${keys.size} keys in ${(writeMs / 1000).toFixed(1)} s`);

    const runs: RunFigures[] = [];
    for (let i = 1; i <= o.runs; i++) {
      const tag = `run ${i}/${o.runs}`;
      log(`${tag}: backup.sh`);
      const b = await source.chart.startBackup(`run-${i}-backup`).succeeded(STEP_MS);
      const set = readdirSync(backupDir)
        .filter((n) => /^\d{8}T\d{6}Z$/.test(n))
        .sort()
        .at(-1);
      if (!set) throw new Error('backup.sh succeeded but left no set on the backup volume');
      const local = setFiles(path.join(backupDir, set));

      log(`${tag}: remote-sync.sh upload of set ${set} (${local.bytes} B)`);
      const plainBefore = keysUnder(s3, PLAIN_PREFIX);
      const u = await source.chart.startUpload(`run-${i}-upload`).succeeded(STEP_MS);
      const plain = added(s3, PLAIN_PREFIX, plainBefore);
      log(`${tag}: remote-sync.sh upload with rclone crypt`);
      const cryptBefore = keysUnder(s3, CRYPT_PREFIX);
      const e = await cryptChart.startUpload(`run-${i}-upload-crypt`).succeeded(STEP_MS);
      const crypt = added(s3, CRYPT_PREFIX, cryptBefore);

      log(`${tag}: drill.sh on set ${set}`);
      const d = await source.chart.startDrill(backupDir, `run-${i}`).succeeded(STEP_MS);

      log(`${tag}: a fresh group restoring set ${set} from the bucket`);
      const restored = await withSandboxes(async (ownRestore) => {
        const sandbox = await ownRestore(`backup-figures-sentinel-restore-${i}`, SENTINEL_SANDBOX);
        // An empty stand-in for the backup claim: the set can only come from the bucket.
        const unused = path.join(sandbox.root, 'unused-backup-volume');
        mkdirSync(unused);
        const g = await sentinelGroup(sandbox, 'fresh', [...remoteValues(s3, PLAIN_PREFIX), `restore.fromSet=${set}`, 'restore.source=remote'], unused);
        const t1 = Date.now();
        const fetched = await Promise.all(g.redis.map((p) => g.chart.runFetch(p, {}, STEP_MS)));
        const fetchMs = Date.now() - t1;
        for (const [j, r] of fetched.entries()) if (r.code !== 0) throw new Error(`fetch of ${g.redis[j]!.name} exited ${r.code}:\n${r.stderr.trim().slice(-2000)}`);
        const t2 = Date.now();
        const seeded = await Promise.all(g.redis.map((p) => g.chart.runRestore(p, {}, STEP_MS)));
        const restoreMs = Date.now() - t2;
        for (const [j, r] of seeded.entries()) if (r.code !== 0) throw new Error(`restore of ${g.redis[j]!.name} exited ${r.code}:\n${r.stderr.trim().slice(-2000)}`);
        log(`${tag}: fetch ${fetchMs} ms, restore.sh ${restoreMs} ms; starting the restored group`);
        const t3 = Date.now();
        const m = await startGroup(g, 'the restored group to form');
        const served = await waitFor(
          `the restored group to serve ${keys.size} keys on its master and replicas`,
          async () => {
            const counts = await Promise.all(g.redis.map((p) => dbsize(p)));
            const masterKeys = await dbsize(m);
            return { done: counts.every((n) => n === keys.size), state: `master ${m.name} holds ${masterKeys} keys; every pod: ${counts.join(', ')}`, value: masterKeys };
          },
          { timeoutMs: STEP_MS, intervalMs: 50 },
        );
        const healthyMs = Date.now() - t3;
        log(`${tag}: whole with every key after ${healthyMs} ms; comparing every key`);
        const compared = checkCompared(await withMaster(m, (cmd) => compareTypedKeys(cmd, keys, 256)), 'redis-sentinel restore from the bucket');
        return { fetchMs, restoreMs, healthyMs, restoredKeys: served.value ?? 0, compared };
      });
      runs.push(runFigures(set, { backup: b, upload: u, cryptUpload: e, drill: d }, { local, plain, crypt }, restored));
    }
    return {
      mode: 'sentinel',
      topology: `1 master + ${source.redis.length - 1} replicas + ${source.sentinels.length} Sentinels`,
      keys: keys.size,
      payloadBytesPerKey: payloadBytes(keys) / keys.size,
      writeMs,
      restorePods: source.redis.length,
      runs,
    };
  });
}

export function measure(mode: Mode, o: MeasureOptions): Promise<ModeFigures> {
  return mode === 'cluster' ? measureCluster(o) : measureSentinel(o);
}
