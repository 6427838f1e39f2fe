import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  acknowledgedMap,
  ClusterClient,
  clusterHealth,
  keySlot,
  keysPresent,
  makeKeySet,
  redisBinary,
  roles,
  Sandbox,
  startWriteLoad,
  waitFor,
  waitHealthy,
  writeKeys,
  type Pod,
  type RedisServerStart,
} from '../src/index.ts';

const PASSWORD = 'cluster-s3cret';
const start: RedisServerStart = {
  kind: 'redis-server',
  password: PASSWORD,
  args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000', '--appendonly', 'yes', '--requirepass', PASSWORD, '--masterauth', PASSWORD],
};

/**
 * A cluster made by hand with the real `redis-cli --cluster create` (no chart scripts), to prove
 * that clusterHealth reports a healthy cluster as healthy and a broken one with specific problems.
 */
describe('clusterHealth on a 3 masters + 3 replicas cluster built with redis-cli --cluster create', () => {
  let sandbox: Sandbox;
  let pods: Pod[];
  const keys = makeKeySet('k', 600);

  beforeAll(async () => {
    sandbox = await Sandbox.create({ name: 'cluster-health' });
    pods = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => sandbox.createPod(`n-${i}`)));
    await Promise.all(pods.map((p) => p.start(start)));
    const create = sandbox.startJob('cluster-create', redisBinary('redis-cli'), {
      args: ['--cluster', 'create', ...pods.map((p) => p.address), '--cluster-replicas', '1', '--cluster-yes'],
      env: { REDISCLI_AUTH: PASSWORD },
    });
    await create.succeeded(60_000);
  }, 120_000);
  afterAll(() => sandbox.cleanup());

  it('reports the new cluster healthy, with an even split and one replica per master', async () => {
    const { report, elapsedMs } = await waitHealthy(pods, 30_000);
    console.log(`redis-cli --cluster create: fully healthy ${elapsedMs}ms after create returned: ${report.summary}`);
    expect(report.problems).toEqual([]);
    const r = await roles(pods);
    const masters = Object.entries(r).filter(([, x]) => x.role === 'master');
    expect(masters.map(([, x]) => x.slots).sort()).toEqual(['0-5460', '10923-16383', '5461-10922']);
    const replicas = Object.entries(r).filter(([, x]) => x.role === 'replica');
    expect(replicas).toHaveLength(3);
    expect(new Set(replicas.map(([, x]) => x.master)).size).toBe(3);
    for (const [name, x] of replicas) expect(x.master).not.toBe(name);
  });

  it('computes the same key slots as the server', async () => {
    const sample = [...keys.keys()].slice(0, 100).concat(['{user1000}.following', 'foo{}{bar}', '{}', 'a{b}c{d}']);
    for (const k of sample) expect(keySlot(k)).toBe(await pods[0]!.command('CLUSTER', 'KEYSLOT', k));
  });

  it('writes and reads a key set through the cluster client, following MOVED', async () => {
    await writeKeys(pods, keys);
    expect((await keysPresent(pods, keys)).summary).toBe('600/600 keys present with the expected value');
    // A client that never asks CLUSTER SLOTS learns every owner from MOVED replies.
    const movedOnly = new ClusterClient({ seeds: () => [pods[0]!.address], password: PASSWORD, useClusterSlots: false });
    try {
      const report = await keysPresent(movedOnly, keys);
      expect(report.ok).toBe(true);
    } finally {
      movedOnly.close();
    }
  });

  it('follows ASK during a slot migration', async () => {
    const r = await roles(pods);
    const byName = new Map(pods.map((p) => [p.name, p]));
    const [srcName, src] = Object.entries(r).find(([, x]) => x.role === 'master' && x.slots.startsWith('0-'))!;
    const [dstName, dst] = Object.entries(r).find(([n, x]) => x.role === 'master' && n !== srcName)!;
    // A slot of the source master that holds none of our keys.
    const used = new Set([...keys.keys()].map((k) => keySlot(k)));
    let slot = 0;
    while (used.has(slot)) slot++;
    let key = 'ask-probe-0';
    for (let i = 0; keySlot(key) !== slot; i++) key = `{s${i}}ask`;
    await byName.get(dstName)!.command('CLUSTER', 'SETSLOT', slot, 'IMPORTING', src.nodeId);
    await byName.get(srcName)!.command('CLUSTER', 'SETSLOT', slot, 'MIGRATING', dst.nodeId);
    const client = ClusterClient.forPods(pods);
    try {
      expect(await client.set(key, 'moved-by-ask')).toBe('OK');
      expect(
        await byName
          .get(dstName)!
          .command('ASKING')
          .then(() => client.get(key)),
      ).toBe('moved-by-ask');
    } finally {
      client.close();
    }
    // Finish the migration so the cluster is whole again.
    for (const m of Object.entries(r).filter(([, x]) => x.role === 'master')) await byName.get(m[0])!.command('CLUSTER', 'SETSLOT', slot, 'NODE', dst.nodeId);
    await waitHealthy(pods, 30_000);
    keys.set(key, 'moved-by-ask');
  });

  it('records every acknowledged write of a bounded write load', async () => {
    const client = ClusterClient.forPods(pods);
    try {
      const load = startWriteLoad({ client, keysPrefix: 'load', ratePerSec: 200, durationMs: 1500, waitReplicas: 1 });
      const report = await load.done;
      expect(report.failed).toEqual([]);
      expect(report.acknowledged.length).toBeGreaterThan(150);
      expect(report.failureWindow).toBeUndefined();
      expect((await keysPresent(client, acknowledgedMap(report))).ok).toBe(true);
    } finally {
      client.close();
    }
  });

  it('reports the specific problems after SIGKILL of a master, and a stale own address after an unfixed restart', async () => {
    const r = await roles(pods);
    const master = pods.find((p) => r[p.name]!.role === 'master')!;
    const replica = pods.find((p) => r[p.name]!.master === master.name)!;
    const deadIp = master.ip;
    await master.kill();
    const t0 = Date.now();

    const now = await clusterHealth(pods);
    expect(now.healthy).toBe(false);
    expect(now.problems).toContain(`${master.name} (${deadIp}): unreachable: not running`);
    expect(now.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^${replica.name} .*CLUSTER SLOTS lists ${deadIp.replace(/\./g, '\\.')}:6379 for slots \\d+-\\d+, which is no live pod address$`))]),
    );

    // Within the node timeout the survivors flag it fail? then fail, and its replica loses its link.
    const seen = await waitFor(
      `survivors to flag ${master.name} as failing`,
      async () => {
        const h = await clusterHealth(pods);
        const flagged = h.problems.filter((p) => p.includes(`sees ${master.name} `) && /flagged fail\??$/.test(p));
        return { done: flagged.length > 0, state: h.problems.join('\n'), value: h };
      },
      { timeoutMs: 20_000 },
    );
    expect(seen.value!.problems).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${replica.name} \\(.*\\): replica of ${master.name}: master_link_status:down`))]));

    // The replica takes over: the survivors are healthy among themselves once the dead node is gone from the picture.
    const survivors = pods.filter((p) => p !== master);
    await waitFor(`${replica.name} to be promoted`, async () => ({ done: (await roles([replica]))[replica.name]!.role === 'master', state: '' }), { timeoutMs: 30_000 });
    console.log(`manual cluster: ${replica.name} promoted ${Date.now() - t0}ms after SIGKILL of ${master.name}`);
    // Once gossip settles, every problem left among the survivors is about the dead node.
    await waitFor(
      'the survivors to report only problems about the dead master',
      async () => {
        const h = await clusterHealth(survivors);
        // The survivors alone do not include the dead pod, so it shows up as an unknown node ID.
        const deadId = r[master.name]!.nodeId.slice(0, 8);
        const other = h.problems.filter((p) => !p.includes(deadId) && !p.includes('knows 6 node(s), expected 5'));
        return { done: h.problems.length > 0 && other.length === 0, state: h.problems.join('\n') };
      },
      { timeoutMs: 20_000 },
    );

    // The old master restarts on a new IP WITHOUT the nodes.conf fix: it keeps its old address in its own view.
    await master.restart({ newIp: true });
    const stale = await waitFor(
      `${master.name} to rejoin with its stale own address`,
      async () => {
        const h = await clusterHealth(pods);
        return { done: h.problems.some((p) => p.startsWith(`${master.name} (${master.ip}): its own address in the cluster is ${deadIp}:6379`)), state: h.problems.join('\n'), value: h };
      },
      { timeoutMs: 20_000 },
    );
    expect(stale.value!.healthy).toBe(false);
    // Every key is still readable through the promoted replica.
    expect((await keysPresent(pods, keys)).ok).toBe(true);
  }, 120_000);
});
