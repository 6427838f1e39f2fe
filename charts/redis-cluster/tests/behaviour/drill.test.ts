/**
 * The restore drill (backup.drill) with the chart's own scripts, as rendered by helm, on real
 * redis-server processes: the backup CronJob's backup.sh writes a real set of a 3-master +
 * 3-replica cluster holding keys in every hash slot, then the drill CronJob's drill.sh checks it
 * (sizes, sha256, redis-check-rdb, key counts, a throwaway redis-server per shard, keys per slot
 * range). It must pass on the good set and fail, naming the problem, on damaged copies: a
 * truncated shard file (with the manifest's size and sha256 fixed to match, so that only
 * redis-check-rdb can tell; and as it was, caught by the checksum), two shards' files swapped
 * between manifest entries, a manifest that lies about a key count, and a volume with no complete
 * set. Drill times are printed, never asserted.
 */
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { engineLabel, makeTypedKeySet, Sandbox, waitHealthy, writeTypedKeys, type JobResult, type Pod, withClusterKeys } from '@redis-gitops/redis-testkit';
import { BackupHarness, sha256, startDrill, type Manifest } from './backup-harness.ts';
import { RedisClusterChart, TEST_PASSWORD } from './redis-cluster-chart.ts';

const STEP_TIMEOUT_MS = 240_000;
const EVEN = ['0-5460', '5461-10922', '10923-16383'] as const;
/** The name of every damaged copy: newer than any real set, so the drill picks it over the good one. */
const COPY = '29991231T235959Z';

let sandbox: Sandbox;
let chart: RedisClusterChart;
let backup: BackupHarness;
let goodSet = '';
let manifest: Manifest;
const figures: string[] = [];
const figure = (s: string) => {
  figures.push(s);
  console.log(s);
};

beforeAll(async () => {
  sandbox = await Sandbox.create({ name: 'cluster-drill' });
  chart = await RedisClusterChart.render(sandbox, { set: ['backup.enabled=true', 'backup.drill.enabled=true'] });
  const pods: Pod[] = await chart.createPods();
  backup = new BackupHarness(chart, path.join(sandbox.root, 'backup-volume'));
  await Promise.all(pods.map((p) => chart.startNode(p)));
  await chart.startBootstrap().succeeded(180_000);
  await waitHealthy(pods, 90_000);
  const keys = makeTypedKeySet('drill', 3000, { coverEverySlot: true });
  await withClusterKeys(pods, { password: TEST_PASSWORD }, (cmd) => writeTypedKeys(cmd, keys));
  await backup.startBackup('backup').succeeded(120_000);
  [goodSet = ''] = backup.completeSets();
  manifest = backup.manifest(goodSet);
  expect(manifest.shards.map((s) => s.slots)).toEqual(EVEN);
  expect(manifest.shards.reduce((n, s) => n + s.keys, 0)).toBe(keys.size);
  figure(`set ${goodSet}: ${manifest.shards.map((s) => `${s.file} ${s.bytes} B / ${s.keys} keys`).join(', ')}`);
}, STEP_TIMEOUT_MS);

afterAll(async () => {
  await sandbox?.cleanup();
  for (const p of sandbox?.pods ?? []) expect(p.running).toBe(false);
  if (figures.length > 0) console.log(`restore drill figures (${engineLabel()}, 3 shards):\n  ${figures.join('\n  ')}`);
});

/** A fresh backup volume holding a copy of the good set under its own name, and `copy` (a copy to damage) when given. */
function volumeWith(name: string, copy?: string): { dir: string; set: string } {
  const dir = path.join(sandbox.root, 'drill-volumes', name);
  mkdirSync(dir, { recursive: true });
  cpSync(path.join(backup.backupDir, goodSet), path.join(dir, goodSet), { recursive: true });
  if (copy) cpSync(path.join(backup.backupDir, goodSet), path.join(dir, copy), { recursive: true });
  return { dir, set: path.join(dir, copy ?? goodSet) };
}

/** Rewrites fields of shard objects in a manifest.json in place, keeping backup.sh's one-object-per-line format. */
function editShards(setDir: string, edit: (shard: Manifest['shards'][number]) => Partial<Manifest['shards'][number]>): void {
  const file = path.join(setDir, 'manifest.json');
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').map((line) => {
    const m = /^(\s*)(\{"index": \d+,.*\})(,?)$/.exec(line);
    if (!m) return line;
    const shard = JSON.parse(m[2]!) as Manifest['shards'][number];
    let out = m[2]!;
    for (const [k, v] of Object.entries(edit(shard))) {
      const re = new RegExp(`"${k}": ("[^"]*"|\\d+)`);
      if (!re.test(out)) throw new Error(`manifest line has no field ${k}: ${out}`);
      out = out.replace(re, `"${k}": ${JSON.stringify(v)}`);
    }
    return m[1]! + out + m[3]!;
  });
  writeFileSync(file, lines.join('\n'));
  JSON.parse(readFileSync(file, 'utf8')); // still valid JSON
}

async function drill(dir: string, name: string): Promise<JobResult & { text: string }> {
  const r = await startDrill(chart, dir, name).done;
  const text = r.output.join('\n');
  figure(`drill ${name}: exit ${r.code} in ${r.durationMs}ms; verdict: ${r.output.filter((l) => /drill: (PASSED|FAILED)/.test(l)).join(' | ')}`);
  return { ...r, text };
}

/** Nothing listens on the throwaway servers' ports any more (drill.sh kills each one by its PID). */
async function expectServersGone(text: string): Promise<void> {
  const ports = [...text.matchAll(/redis-server (\d+) loaded/g)].map((m) => Number(m[1]));
  const refused = await Promise.all(
    ports.map(
      (port) =>
        new Promise<string>((resolve) => {
          const s = net.connect({ host: '127.0.0.1', port });
          s.once('connect', () => {
            s.destroy();
            resolve(`${port}: open`);
          });
          s.once('error', (e: NodeJS.ErrnoException) => resolve(`${port}: ${e.code}`));
        }),
    ),
  );
  expect(refused).toEqual(ports.map((p) => `${p}: ECONNREFUSED`));
}

const shardWho = (i: number) => `shard ${i} \\(shard-${i}\\.rdb, slots ${EVEN[i]}\\)`;

describe('redis-cluster drill.sh (the backup.drill CronJob) on a real set of 3 shards', () => {
  it(
    'passes on the good set: every shard matches its size, sha256, redis-check-rdb, key count, load and slot ranges; the set is untouched and the throwaway servers are gone',
    async () => {
      const before = backup.fingerprint(goodSet);
      const r = await drill(backup.backupDir, 'good');
      expect({ code: r.code, out: r.code === 0 ? '' : r.text }).toEqual({ code: 0, out: '' });
      for (const [i, s] of manifest.shards.entries()) {
        for (const check of ['size', 'sha256', 'redis-check-rdb', 'keys in the file', 'load', 'slots']) expect(r.text).toMatch(new RegExp(`drill: ${shardWho(i)}: ${check}: ok`));
        expect(r.text).toMatch(new RegExp(`drill: ${shardWho(i)}: slots ${EVEN[i]}: ${s.keys} keys`));
        expect(r.text).toMatch(new RegExp(`drill: ${shardWho(i)}: load: ok \\(redis-server \\d+ loaded ${s.keys} keys in \\d+s, dropped 0 expired`));
      }
      expect(r.text).toMatch(/drill: set \d{8}T\d{6}Z: slot layout: ok \(0-5460;5461-10922;10923-16383 covers 0-16383 once\)/);
      expect(r.text).not.toMatch(/MISMATCH/);
      expect(r.text).toMatch(new RegExp(`drill: PASSED: set ${goodSet} restores: 3 shard\\(s\\), ${manifest.shards.reduce((n, s) => n + s.keys, 0)} keys, every check passed`));
      expect(backup.fingerprint(goodSet)).toEqual(before);
      await expectServersGone(r.text);
      figure(`drill time of a good set (3 shards, ${manifest.shards.reduce((n, s) => n + s.keys, 0)} keys): ${r.durationMs}ms`);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'fails on a truncated shard file whose manifest size and sha256 were fixed to match: redis-check-rdb catches it, and it is never loaded',
    async () => {
      const { dir, set } = volumeWith('truncated-fixed', COPY);
      const file = path.join(set, 'shard-1.rdb');
      truncateSync(file, Math.floor(manifest.shards[1]!.bytes / 2));
      editShards(set, (s) => (s.index === 1 ? { bytes: readFileSync(file).length, sha256: sha256(file) } : {}));
      const r = await drill(dir, 'truncated-fixed');
      expect(r.code).toBe(1);
      expect(r.text).toMatch(new RegExp(`drilling set ${COPY} `));
      expect(r.text).toMatch(new RegExp(`drill: ${shardWho(1)}: size: ok`));
      expect(r.text).toMatch(new RegExp(`drill: ${shardWho(1)}: sha256: ok`));
      expect(r.text).toMatch(new RegExp(`drill: ${shardWho(1)}: redis-check-rdb: MISMATCH: .*Unexpected EOF.*; not loaded`));
      expect(r.text).not.toMatch(new RegExp(`${shardWho(1)}: load`));
      // The other shards are still checked, and pass.
      for (const i of [0, 2]) expect(r.text).toMatch(new RegExp(`drill: ${shardWho(i)}: slots: ok`));
      expect(r.text).toMatch(new RegExp(`drill: FAILED: set ${COPY} is NOT proven restorable: 1 check\\(s\\) failed in \\d+s: ${shardWho(1)}: redis-check-rdb$`, 'm'));
      await expectServersGone(r.text);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'fails on a truncated shard file with the manifest as written by the backup: the size and sha256 checks name it',
    async () => {
      const { dir, set } = volumeWith('truncated', COPY);
      truncateSync(path.join(set, 'shard-2.rdb'), manifest.shards[2]!.bytes - 100);
      const r = await drill(dir, 'truncated');
      expect(r.code).toBe(1);
      expect(r.text).toMatch(new RegExp(`drill: ${shardWho(2)}: size: MISMATCH: ${manifest.shards[2]!.bytes - 100} bytes, the manifest says ${manifest.shards[2]!.bytes}`));
      expect(r.text).toMatch(new RegExp(`drill: ${shardWho(2)}: sha256: MISMATCH: [0-9a-f]{64}, the manifest says ${manifest.shards[2]!.sha256}`));
      expect(r.text).toMatch(new RegExp(`drill: FAILED: set ${COPY} is NOT proven restorable: \\d check\\(s\\) failed in \\d+s: ${shardWho(2)}: size; ${shardWho(2)}: sha256`));
    },
    STEP_TIMEOUT_MS,
  );

  it(
    "fails on two shards' files swapped between manifest entries (file, size, sha256 and key count moved along): only the slot check can tell, and names the slots",
    async () => {
      const { dir, set } = volumeWith('swapped', COPY);
      const [a, b] = [manifest.shards[0]!, manifest.shards[1]!];
      const moved = (s: Manifest['shards'][number]) => ({ file: s.file, bytes: s.bytes, sha256: s.sha256, keys: s.keys });
      editShards(set, (s) => (s.index === 0 ? moved(b) : s.index === 1 ? moved(a) : {}));
      const r = await drill(dir, 'swapped');
      expect(r.code).toBe(1);
      // Shard 0 (slots 0-5460) now names shard-1.rdb, which holds the keys of 5461-10922, and the other way round.
      for (const [i, file, other] of [
        [0, 'shard-1.rdb', EVEN[1]],
        [1, 'shard-0.rdb', EVEN[0]],
      ] as const) {
        const who = `shard ${i} \\(${file.replace('.', '\\.')}, slots ${EVEN[i]}\\)`;
        for (const check of ['size', 'sha256', 'redis-check-rdb', 'keys in the file', 'load']) expect(r.text).toMatch(new RegExp(`drill: ${who}: ${check}: ok`));
        expect(r.text).toMatch(new RegExp(`drill: ${who}: slots ${EVEN[i]}: 0 keys`));
        const [lo, hi] = other.split('-').map(Number) as [number, number];
        const m = new RegExp(
          `drill: ${who}: slots: MISMATCH: (\\d+) key\\(s\\) in slots outside ${EVEN[i]} \\(e\\.g\\. slot\\(s\\) ([\\d,]+)\\): the file is not this shard's \\(swapped or misfiled\\)`,
        ).exec(r.text);
        expect(m).not.toBeNull();
        expect(Number(m![1])).toBe(manifest.shards[i === 0 ? 1 : 0]!.keys);
        for (const slot of m![2]!.split(',').map(Number)) expect(slot >= lo && slot <= hi).toBe(true);
      }
      expect(r.text).toMatch(new RegExp(`drill: ${shardWho(2)}: slots: ok`));
      expect(r.text).toMatch(/drill: FAILED: .*2 check\(s\) failed/);
      await expectServersGone(r.text);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'fails on a manifest that lies about the key count of a shard',
    async () => {
      const { dir, set } = volumeWith('lying', COPY);
      const real = manifest.shards[2]!.keys;
      editShards(set, (s) => (s.index === 2 ? { keys: real + 1 } : {}));
      const r = await drill(dir, 'lying');
      expect(r.code).toBe(1);
      expect(r.text).toMatch(new RegExp(`drill: ${shardWho(2)}: keys in the file: MISMATCH: the file holds ${real} keys, the manifest says ${real + 1}`));
      expect(r.text).toMatch(new RegExp(`drill: ${shardWho(2)}: load: ok`));
      expect(r.text).toMatch(new RegExp(`drill: FAILED: set ${COPY} is NOT proven restorable: 1 check\\(s\\) failed in \\d+s: ${shardWho(2)}: keys in the file$`, 'm'));
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'fails when the volume holds no complete set (only a .partial folder of a run that died), or is empty',
    async () => {
      const dir = path.join(sandbox.root, 'drill-volumes', 'no-set');
      mkdirSync(path.join(dir, `${goodSet}.partial`), { recursive: true });
      copyFileSync(path.join(backup.backupDir, goodSet, 'shard-0.rdb'), path.join(dir, `${goodSet}.partial`, 'shard-0.rdb'));
      const r = await drill(dir, 'partial-only');
      expect(r.code).toBe(1);
      expect(r.text).toMatch(/drill: FAILED: no complete backup set on \S+ \(a folder named like 20261125T021700Z with a manifest\.json\): nothing to drill/);
      const empty = path.join(sandbox.root, 'drill-volumes', 'empty');
      mkdirSync(empty, { recursive: true });
      const e = await drill(empty, 'empty');
      expect(e.code).toBe(1);
      expect(e.text).toMatch(/drill: FAILED: no complete backup set/);
      expect(readdirSync(empty)).toEqual([]);
    },
    STEP_TIMEOUT_MS,
  );
});
