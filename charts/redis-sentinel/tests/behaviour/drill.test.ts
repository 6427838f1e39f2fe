/**
 * The restore drill (backup.drill) of a Sentinel group with the chart's own scripts, as rendered by
 * helm, on real redis-server and redis-sentinel processes: backup.sh (the backup CronJob) dumps the
 * master of a 1 master + 2 replicas + 3 Sentinels group, then drill.sh (the drill CronJob) checks
 * the set (size, sha256, redis-check-rdb, key count, a throwaway redis-server). Some keys carry a
 * TTL that runs out between the backup and the drill: the drill must count them as expired since
 * the dump, not as lost. It must fail, naming the problem, on a truncated master.rdb (manifest size
 * and sha256 fixed to match) and on a manifest that lies about the key count. Drill times are
 * printed, never asserted.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { engineLabel, makeTypedKeySet, nodeKeyCommand, Sandbox, writeTypedKeys, type JobResult, type Pod } from '@redis-gitops/redis-testkit';
import { RedisSentinelChart } from './redis-sentinel-chart.ts';
import { waitForGroup } from './sentinel-group.ts';

const STEP_TIMEOUT_MS = 240_000;
const SET_NAME = /^\d{8}T\d{6}Z$/;
const COPY = '29991231T235959Z';
/** Keys written with this TTL right before the backup: in the set, expired by the time of the drill. */
const SHORT_TTL_MS = 20_000;
const SHORT_LIVED = 25;

interface Shard {
  index: number;
  file: string;
  bytes: number;
  sha256: string;
  keys: number;
}

let sandbox: Sandbox;
let chart: RedisSentinelChart;
let backupDir = '';
let goodSet = '';
let shard: Shard;
let longLived = 0;
const figures: string[] = [];
const figure = (s: string) => {
  figures.push(s);
  console.log(s);
};
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const manifestShard = (setDir: string) => (JSON.parse(readFileSync(path.join(setDir, 'manifest.json'), 'utf8')) as { shards: Shard[] }).shards[0]!;

beforeAll(async () => {
  sandbox = await Sandbox.create({ name: 'sentinel-drill', ports: [6379, 26379], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
  backupDir = path.join(sandbox.root, 'backup-volume');
  mkdirSync(backupDir);
  chart = await RedisSentinelChart.render(sandbox, { set: ['backup.enabled=true', 'backup.drill.enabled=true'] });
  chart.backupDir = backupDir;
  const { redis, sentinels } = await chart.createPods();
  await Promise.all([...redis, ...sentinels].map((p) => chart.start(p)));
  const { master } = await waitForGroup(redis, sentinels, chart.masterSet, 'the group to form', 120_000, () => sandbox.describe(25));
  const keys = makeTypedKeySet('drill', 2000);
  longLived = keys.size;
  const cmd = await nodeKeyCommand((master as Pod).connection());
  try {
    await writeTypedKeys(cmd, keys);
  } finally {
    cmd.close();
  }
  for (let i = 0; i < SHORT_LIVED; i++) await master.command('SET', `drill:short:${i}`, 'x', 'PX', String(SHORT_TTL_MS));
  const t0 = Date.now();
  await chart.startBackup('backup').succeeded(120_000);
  expect(Date.now() - t0).toBeLessThan(SHORT_TTL_MS); // else the short-lived keys may be gone from the set: the test would prove nothing
  goodSet = readdirSync(backupDir).filter((n) => SET_NAME.test(n) && existsSync(path.join(backupDir, n, 'manifest.json')))[0] ?? '';
  shard = manifestShard(path.join(backupDir, goodSet));
  expect(shard.keys).toBe(longLived + SHORT_LIVED);
  figure(`set ${goodSet}: ${shard.file} ${shard.bytes} B / ${shard.keys} keys (${SHORT_LIVED} with a ${SHORT_TTL_MS}ms TTL)`);
  await new Promise((r) => setTimeout(r, Math.max(0, SHORT_TTL_MS + 1000 - (Date.now() - t0))));
}, STEP_TIMEOUT_MS);

afterAll(async () => {
  await sandbox?.cleanup();
  for (const p of sandbox?.pods ?? []) expect(p.running).toBe(false);
  if (figures.length > 0) console.log(`restore drill figures (${engineLabel()}, Sentinel group):\n  ${figures.join('\n  ')}`);
});

function copyOfGoodSet(name: string): { dir: string; set: string } {
  const dir = path.join(sandbox.root, 'drill-volumes', name);
  mkdirSync(dir, { recursive: true });
  cpSync(path.join(backupDir, goodSet), path.join(dir, goodSet), { recursive: true });
  cpSync(path.join(backupDir, goodSet), path.join(dir, COPY), { recursive: true });
  return { dir, set: path.join(dir, COPY) };
}

/** Rewrites fields of the shard object of a manifest.json in place (backup.sh writes it on one line). */
function editShard(setDir: string, fields: Record<string, string | number>): void {
  const file = path.join(setDir, 'manifest.json');
  let text = readFileSync(file, 'utf8');
  for (const [k, v] of Object.entries(fields)) {
    const re = new RegExp(`"${k}": ("[^"]*"|\\d+)`);
    if (!re.test(text)) throw new Error(`manifest has no field ${k}`);
    text = text.replace(re, `"${k}": ${JSON.stringify(v)}`);
  }
  writeFileSync(file, text);
  JSON.parse(text);
}

async function drill(dir: string, name: string): Promise<JobResult & { text: string }> {
  const r = await chart.startDrill(dir, name).done;
  const text = r.output.join('\n');
  figure(`drill ${name}: exit ${r.code} in ${r.durationMs}ms; verdict: ${r.output.filter((l) => /drill: (PASSED|FAILED)/.test(l)).join(' | ')}`);
  return { ...r, text };
}

const WHO = 'shard 0 \\(master\\.rdb\\)';

describe('redis-sentinel drill.sh (the backup.drill CronJob) on a real set of the master', () => {
  it(
    'passes on the good set, counting the keys whose TTL ran out since the dump as expired, not lost; the set is untouched',
    async () => {
      const before = readFileSync(path.join(backupDir, goodSet, 'master.rdb'));
      const r = await drill(backupDir, 'good');
      expect({ code: r.code, out: r.code === 0 ? '' : r.text }).toEqual({ code: 0, out: '' });
      for (const check of ['size', 'sha256', 'keys in the file']) expect(r.text).toMatch(new RegExp(`drill: ${WHO}: ${check}: ok`));
      expect(r.text).toMatch(new RegExp(`drill: ${WHO}: redis-check-rdb: ok \\(RDB looks OK, ${shard.keys} keys, ${SHORT_LIVED} already expired\\)`));
      expect(r.text).toMatch(new RegExp(`drill: ${WHO}: load: ok \\(redis-server \\d+ loaded ${longLived} keys in \\d+s, dropped ${SHORT_LIVED} expired since the dump\\)`));
      expect(r.text).not.toMatch(/slots|MISMATCH/);
      expect(r.text).toMatch(new RegExp(`drill: PASSED: set ${goodSet} restores: 1 shard\\(s\\), ${shard.keys} keys, every check passed`));
      expect(readFileSync(path.join(backupDir, goodSet, 'master.rdb')).equals(before)).toBe(true);
      figure(`drill time of a good set (1 master, ${shard.keys} keys): ${r.durationMs}ms`);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'fails on a truncated master.rdb whose manifest size and sha256 were fixed to match: redis-check-rdb catches it',
    async () => {
      const { dir, set } = copyOfGoodSet('truncated-fixed');
      const file = path.join(set, 'master.rdb');
      truncateSync(file, Math.floor(shard.bytes / 2));
      editShard(set, { bytes: readFileSync(file).length, sha256: sha256(file) });
      const r = await drill(dir, 'truncated-fixed');
      expect(r.code).toBe(1);
      expect(r.text).toMatch(new RegExp(`drilling set ${COPY} \\(sentinel mode`));
      expect(r.text).toMatch(new RegExp(`drill: ${WHO}: sha256: ok`));
      expect(r.text).toMatch(new RegExp(`drill: ${WHO}: redis-check-rdb: MISMATCH: .*; not loaded`));
      expect(r.text).toMatch(new RegExp(`drill: FAILED: set ${COPY} is NOT proven restorable: 1 check\\(s\\) failed in \\d+s: ${WHO}: redis-check-rdb$`, 'm'));
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'fails on a manifest that lies about the key count',
    async () => {
      const { dir, set } = copyOfGoodSet('lying');
      editShard(set, { keys: shard.keys - 1 });
      const r = await drill(dir, 'lying');
      expect(r.code).toBe(1);
      expect(r.text).toMatch(new RegExp(`drill: ${WHO}: keys in the file: MISMATCH: the file holds ${shard.keys} keys, the manifest says ${shard.keys - 1}`));
      expect(r.text).toMatch(new RegExp(`drill: FAILED: set ${COPY} is NOT proven restorable: 1 check\\(s\\) failed in \\d+s: ${WHO}: keys in the file$`, 'm'));
    },
    STEP_TIMEOUT_MS,
  );
});
