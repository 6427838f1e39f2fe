/**
 * TLS wiring of the chart's scripts on real processes: Redis serves TLS only (port 0 + tls-port),
 * replication and the Sentinels' own connections use TLS (tls-replication yes), and every
 * redis-cli call of the scripts presents the pod certificate. The group is observed through the
 * chart's own probes (which use redis-cli --tls) and the testkit's RESP client over TLS.
 *
 * Then a CA rotation (ca.crt = old + new CA, certificates of the new CA, ca.crt = new CA): the
 * Redis pods' readiness probe (the harness's kubelet) reloads the files at runtime; Sentinel 7.0
 * cannot, so its readiness probe restarts one Sentinel at a time (SHUTDOWN; the test's kubelet
 * starts the container again, as restartPolicy Always does). Certificates come from Debian's
 * openssl; the Secret dir is updated the way kubelet updates a mounted Secret.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  asText,
  caBundle,
  makeCa,
  makeCert,
  parseInfo,
  RespConnection,
  redisBinary,
  Sandbox,
  tlsClientOptions,
  waitFor,
  writeTlsSecret,
  type CertFiles,
  type PeriodicProbe,
  type Pod,
  type RespArg,
  type RespTlsOptions,
  type RespValue,
} from '@redis-gitops/redis-testkit';
import { RedisSentinelChart } from './redis-sentinel-chart.ts';

const TEST_TIMEOUT_MS = 120_000;
let sandbox: Sandbox;
let chart: RedisSentinelChart;
let redis: Pod[];
let sentinels: Pod[];

let certDir: string;
let caOld: CertFiles;
let caNew: CertFiles;
let podOld: CertFiles;
let podNew: CertFiles;

/** What a client trusts and presents: the Secret's files as they are now (an app mounting the same Secret). */
function secretClientTls(): RespTlsOptions {
  const f = (n: string) => readFileSync(path.join(chart.tlsDir!, n));
  return { ca: f('ca.crt'), cert: f('tls.crt'), key: f('tls.key') };
}

/** sha256 of tls.crt + tls.key + ca.crt, as tls-lib.sh stamps it. */
function secretHash(): string {
  const h = createHash('sha256');
  for (const f of ['tls.crt', 'tls.key', 'ca.crt']) h.update(readFileSync(path.join(chart.tlsDir!, f)));
  return h.digest('hex');
}

async function call(pod: Pod, port: number, tls: RespTlsOptions, ...args: RespArg[]): Promise<RespValue> {
  const c = await RespConnection.open({ host: pod.ip, port, password: chart.isSentinel(pod) ? chart.sentinelPassword : chart.redisPassword, tls, connectTimeoutMs: 2000 });
  try {
    return await c.call(...args);
  } finally {
    c.close();
  }
}

/** The container log as the probes write it: the harness maps the chart's /proc/1/fd/1 to <pod dir>/prestop.log. */
function containerLog(pod: Pod): string[] {
  const file = path.join(pod.dir, 'prestop.log');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/** Runs a probe until it passes; returns its output. */
async function probe(pod: Pod, script: string, expected: RegExp, what: string): Promise<string> {
  const r = await waitFor(
    what,
    async () => {
      const x = await chart.runScript(pod, script);
      const out = `${x.stdout}${x.stderr}`.trim();
      return { done: x.code === 0 && expected.test(out), state: out, value: out };
    },
    { timeoutMs: 60_000, intervalMs: 500, context: () => sandbox.describe(20) },
  );
  return r.value!;
}

beforeAll(async () => {
  sandbox = await Sandbox.create({ name: 'sentinel-tls', ports: [6379, 26379], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
  chart = await RedisSentinelChart.render(sandbox, { set: ['tls.enabled=true', 'tls.existingSecret=redis-tls', 'backup.enabled=true'], kubelet: true });
  expect(chart.redisConf).toMatch(/^tls-replication yes$/m);
  chart.tlsDir = path.join(sandbox.root, 'tls-secret');
  chart.backupDir = path.join(sandbox.root, 'backup-volume');
  mkdirSync(chart.backupDir);
  certDir = path.join(sandbox.root, 'certs');
  caOld = makeCa(certDir, 'ca-old');
  caNew = makeCa(certDir, 'ca-new');
  podOld = makeCert(certDir, 'redis-old', caOld);
  podNew = makeCert(certDir, 'redis-new', caNew);
  writeTlsSecret(chart.tlsDir, { cert: podOld, ca: caBundle(caOld) });
  ({ redis, sentinels } = await chart.createPods());
  for (const s of sentinels) {
    // Test knobs: short roll slots (2 x the probe period), and the Sentinel's log lines where the Redis pods' go
    // (in a pod they go to the Sentinel's stdout, PID 1; the harness's stdout is a socket).
    chart.override(s, { TLS_ROLL_SLOT: '10', TLS_LOG_FILE: path.join(s.dir, 'prestop.log') });
  }
  await Promise.all([...redis, ...sentinels].map((p) => chart.start(p, { waitUntil: 'spawned' })));
}, TEST_TIMEOUT_MS);

/** The Sentinels' kubelet (from the rotation test on): the rendered readiness probe, and restartPolicy Always. */
const sentinelProbes = new Map<Pod, PeriodicProbe>();
let sentinelRestarts = 0;
let restartTimer: NodeJS.Timeout | undefined;
function startSentinelKubelet(): void {
  const p = chart.sentinel.readinessProbe;
  expect(p?.exec?.command).toEqual(['/scripts/readiness-sentinel.sh']);
  for (const s of sentinels) {
    sentinelProbes.set(
      s,
      sandbox.startProbe(s, {
        name: 'readiness',
        command: path.join(chart.scriptsDir, 'readiness-sentinel.sh'),
        env: (x) => chart.env(x),
        periodMs: Number(p?.periodSeconds ?? 10) * 1000,
        timeoutMs: Number(p?.timeoutSeconds ?? 1) * 1000,
      }),
    );
  }
  const restarting = new Set<Pod>();
  restartTimer = setInterval(() => {
    for (const s of sentinels) {
      if (s.running || restarting.has(s) || s.starts === 0) continue;
      restarting.add(s);
      sentinelRestarts += 1;
      s.log.mark('container exited: kubelet starts it again (restartPolicy Always)');
      void chart.start(s, { waitUntil: 'spawned' }).finally(() => restarting.delete(s));
    }
  }, 250);
}

afterAll(async () => {
  if (restartTimer) clearInterval(restartTimer);
  await sandbox?.cleanup();
});

describe('redis-sentinel with tls.enabled', () => {
  it(
    'forms over TLS: pod 0 is master confirmed by the Sentinels, the replicas sync, the Sentinels see them',
    async () => {
      await probe(redis[0]!, 'readiness-redis.sh', /^ready: master with 2 replica\(s\), named by 3 of 3/, 'pod 0 to be a master with 2 replicas, confirmed by the Sentinels over TLS');
      for (const p of redis.slice(1)) await probe(p, 'readiness-redis.sh', /^ready: replica of .*master_link_status:up/, `${p.name} to sync over TLS`);
      for (const s of sentinels) await probe(s, 'readiness-sentinel.sh', /2 other Sentinel\(s\), 2 replica\(s\); OK 3 usable/, `${s.name} to see its peers and the replicas over TLS`);
      // Plain TCP is refused: `port 0`.
      const plain = await sandbox.exec('redis-cli', { args: ['-h', redis[0]!.ip, '-p', '6379', 'PING'], timeoutMs: 5000 });
      expect(`${plain.stdout}${plain.stderr}`).not.toMatch(/PONG/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'backs the master up over TLS (backup.sh: the Sentinels and redis-cli --rdb with the pod certificate)',
    async () => {
      const r = await chart.startBackup('backup-tls').succeeded(60_000);
      const out = r.output.join('\n');
      expect(out).toMatch(new RegExp(`backup: 3 of 3 reachable Sentinel\\(s\\) name master ${redis[0]!.ip}:6379`));
      const sets = readdirSync(chart.backupDir!).filter((n) => /^\d{8}T\d{6}Z$/.test(n));
      expect(sets).toHaveLength(1);
      expect(existsSync(path.join(chart.backupDir!, sets[0]!, 'manifest.json'))).toBe(true);
      expect(
        readFileSync(path.join(chart.backupDir!, sets[0]!, 'master.rdb'))
          .subarray(0, 5)
          .toString(),
      ).toBe('REDIS');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'fails over and brings the old master back as a replica, all over TLS',
    async () => {
      const old = redis[0]!;
      await old.kill();
      const promoted = await waitFor(
        'a replica to be promoted over TLS',
        async () => {
          for (const p of redis.slice(1)) {
            const x = await chart.runScript(p, 'readiness-redis.sh');
            if (x.code === 0 && /^ready: master/.test(x.stdout)) return { done: true, state: x.stdout, value: p };
          }
          return { done: false, state: 'no confirmed master yet' };
        },
        { timeoutMs: 60_000, intervalMs: 500, context: () => sandbox.describe(20) },
      );
      old.moveTo(await sandbox.allocateIp());
      await chart.start(old, { waitUntil: 'spawned' });
      const out = await probe(old, 'readiness-redis.sh', /^ready: replica of /, 'the old master to rejoin as a replica over TLS');
      expect(out).toContain(`replica of ${promoted.value!.ip}:6379`);
      await expect(old.waitForLog(/start-redis: .*and it answers ROLE master: starting as replica of/, 1000)).resolves.toBeDefined();
    },
    TEST_TIMEOUT_MS,
  );
});

describe('CA rotation (old CA -> bundle -> new certificates -> new CA only) under continuous TLS clients', () => {
  it(
    'Redis reloads at runtime, the Sentinels roll one at a time: no failed Redis connection or command, every Sentinel query answered, no failover, no resync; the old CA is refused at the end',
    async () => {
      startSentinelKubelet();
      const port = (p: Pod) => (chart.isSentinel(p) ? chart.sentinelPort : 6379);
      const masterOf = async (): Promise<string> => {
        for (const s of sentinels) {
          try {
            const r = (await call(s, chart.sentinelPort, secretClientTls(), 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', chart.masterSet)) as string[];
            return r[0]!;
          } catch {
            // the next Sentinel
          }
        }
        throw new Error('no Sentinel answered');
      };
      const masterIp = await masterOf();
      const master = redis.find((p) => p.ip === masterIp)!;
      const syncFull = async () => parseInfo(asText(await call(master, 6379, secretClientTls(), 'INFO', 'stats'))).sync_full;
      // Every Sentinel has been probed once (its stamp: the files it started with).
      await waitFor('every Sentinel probe to pass once', () => ({ done: [...sentinelProbes.values()].every((x) => x.results.some((r) => r.ok)), state: '' }), { timeoutMs: 20_000, intervalMs: 200 });
      const syncBefore = await syncFull();
      const long = await RespConnection.open({ host: master.ip, port: 6379, password: chart.redisPassword, tls: secretClientTls() });
      const failures: string[] = [];
      let sentinelRefusals = 0;
      let fresh = 0;
      let writes = 0;
      let stop = false;
      const loop = (async () => {
        while (!stop) {
          for (const p of redis) {
            try {
              expect(await call(p, 6379, secretClientTls(), 'PING')).toBe('PONG');
              fresh += 1;
            } catch (e) {
              failures.push(`${p.name}: ${(e as Error).message}`);
            }
          }
          try {
            await long.call('SET', 'tls-rotation', String(writes));
            writes += 1;
          } catch (e) {
            failures.push(`long-lived to master: ${(e as Error).message}`);
          }
          // A Sentinel client asks the Sentinels in turn; one restarting Sentinel is skipped.
          let answered = false;
          for (const s of sentinels) {
            try {
              const r = (await call(s, port(s), secretClientTls(), 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', chart.masterSet)) as string[];
              if (r[0] !== master.ip) failures.push(`${s.name} names master ${r[0]}`);
              answered = true;
              break;
            } catch {
              sentinelRefusals += 1;
            }
          }
          if (!answered) failures.push('no Sentinel answered');
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      // How many Sentinels do not listen at the same moment (the roll must take one at a time).
      const listens = (s: Pod) =>
        new Promise<boolean>((resolve) => {
          const c = net.connect({ host: s.ip, port: chart.sentinelPort });
          c.once('connect', () => {
            c.destroy();
            resolve(true);
          });
          c.once('error', () => resolve(false));
          c.setTimeout(500, () => {
            c.destroy();
            resolve(false);
          });
        });
      let maxDown = 0;
      const sampler = (async () => {
        while (!stop) {
          const down = (await Promise.all(sentinels.map(listens))).filter((x) => !x).length;
          maxDown = Math.max(maxDown, down);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const phase = async (what: string, files: Parameters<typeof writeTlsSecret>[1]) => {
        const t0 = Date.now();
        const restartsBefore = sentinelRestarts;
        writeTlsSecret(chart.tlsDir!, files);
        const h = secretHash();
        const stampOf = (s: Pod) => {
          try {
            return readFileSync(path.join(chart.volumeDir(s, 'runtime'), 'tls-loaded'), 'utf8');
          } catch {
            return '';
          }
        };
        await waitFor(
          `${what}: every Redis pod reloaded and every Sentinel restarted with the new files`,
          () => {
            const reloaded = redis.filter((p) => containerLog(p).some((l) => l.includes(`readiness-redis: TLS: reloaded`) && l.includes(`-> ${h.slice(0, 12)}`)));
            const rolled = sentinels.filter((s) => stampOf(s).includes(h) && s.running);
            return {
              done: reloaded.length === redis.length && rolled.length === sentinels.length,
              state: `reloaded: ${reloaded.map((p) => p.name).join(', ')}; Sentinels with the new files: ${rolled.map((s) => s.name).join(', ')}`,
            };
          },
          { timeoutMs: 120_000, intervalMs: 250, context: () => sentinels.map((s) => s.describe(8)).join('\n') },
        );
        expect(sentinelRestarts - restartsBefore).toBe(sentinels.length);
        console.log(`${what}: ${redis.length} Redis pods reloaded and ${sentinels.length} Sentinels restarted in ${Date.now() - t0} ms`);
      };
      try {
        await phase('ca.crt = old + new CA', { ca: caBundle(caOld, caNew) });
        await phase('certificates of the new CA', { cert: podNew });
        await phase('ca.crt = new CA only', { ca: caBundle(caNew) });
      } finally {
        stop = true;
        await Promise.all([loop, sampler]);
        long.close();
      }
      console.log(
        `rotation: ${fresh} fresh TLS connections to Redis, ${writes} writes on a long-lived one, ${sentinelRefusals} refused Sentinel connection(s) (a restarting Sentinel; the client asked the next one), failures: ${failures.length}`,
      );
      expect(failures).toEqual([]);
      expect(fresh).toBeGreaterThan(50);
      // The roll was one Sentinel at a time, each logged why.
      expect(maxDown).toBe(1);
      for (const s of sentinels) expect(containerLog(s).filter((l) => /readiness-sentinel: TLS: restarting this Sentinel \(SHUTDOWN/.test(l))).toHaveLength(3);
      // No failover, no resync, replicas linked, every probe passes with the new files.
      expect(await masterOf()).toBe(master.ip);
      expect(await syncFull()).toBe(syncBefore);
      for (const p of redis.filter((x) => x !== master)) {
        expect(parseInfo(asText(await call(p, 6379, secretClientTls(), 'INFO', 'replication'))).master_link_status).toBe('up');
        await probe(p, 'readiness-redis.sh', /^ready: replica of /, `${p.name} to be ready after the rotation`);
      }
      await probe(master, 'readiness-redis.sh', /^ready: master with 2 replica\(s\), named by 3 of 3/, 'the master to be confirmed by all 3 Sentinels after the rotation');
      for (const s of sentinels) await probe(s, 'readiness-sentinel.sh', /2 other Sentinel\(s\), 2 replica\(s\); OK 3 usable/, `${s.name} to see its peers and the replicas after the roll`);
      // A client trusting only the old CA is refused (Redis and Sentinel); so is an old-CA client certificate.
      await expect(call(master, 6379, tlsClientOptions(caBundle(caOld), podOld), 'PING')).rejects.toThrow(/self.signed|verify|unable/i);
      await expect(call(sentinels[0]!, chart.sentinelPort, tlsClientOptions(caBundle(caOld), podOld), 'PING')).rejects.toThrow(/self.signed|verify|unable/i);
      await expect(call(master, 6379, tlsClientOptions(caBundle(caOld, caNew), podOld), 'PING')).rejects.toThrow(/unknown ca|closed|reset/i);
      await expect(call(sentinels[0]!, chart.sentinelPort, tlsClientOptions(caBundle(caOld, caNew), podOld), 'PING')).rejects.toThrow(/unknown ca|closed|reset/i);
      expect(await call(master, 6379, tlsClientOptions(caBundle(caNew), podNew), 'PING')).toBe('PONG');
    },
    4 * TEST_TIMEOUT_MS,
  );
});

describe('a bad certificate in the Secret: both probes name it, the pod logs say it once, nothing restarts or reloads it', () => {
  const cases: Array<{ what: string; files: () => Parameters<typeof writeTlsSecret>[1]; reason: RegExp }> = [
    {
      what: 'an expired tls.crt',
      files: () => ({ cert: makeCert(certDir, 'redis-expired', caNew, { window: { notBefore: '20250101000000Z', notAfter: '20250201000000Z' } }) }),
      reason: /TLS: tls\.crt expired at 2025-02-01T00:00:00Z \(valid from 2025-01-01T00:00:00Z\); renew the certificate/,
    },
    {
      what: 'a tls.key that does not match tls.crt',
      files: () => ({ cert: podNew, key: readFileSync(makeCert(certDir, 'redis-other', caNew).key, 'utf8') }),
      reason: /TLS: tls\.key does not match tls\.crt/,
    },
    {
      what: 'a tls.crt signed by a CA that is not in ca.crt',
      files: () => ({ cert: makeCert(certDir, 'redis-foreign', makeCa(certDir, 'ca-foreign')) }),
      reason: /TLS: .*not signed by a CA the server trusts/,
    },
  ];
  for (const c of cases) {
    it(
      c.what,
      async () => {
        const good = { cert: podNew, ca: caBundle(caNew) };
        expect(secretHash()).toBe(createHash('sha256').update(readFileSync(podNew.crt)).update(readFileSync(podNew.key)).update(good.ca).digest('hex'));
        const restarts = sentinelRestarts;
        writeTlsSecret(chart.tlsDir!, c.files());
        try {
          const not = new RegExp(`^not ready: ${c.reason.source}[^\n]*$`);
          for (const [p, script] of [
            [redis[2]!, 'readiness-redis.sh'],
            [sentinels[1]!, 'readiness-sentinel.sh'],
          ] as const) {
            const r = await waitFor(
              `${script} of ${p.name} to name ${c.what}`,
              async () => {
                const x = await chart.runScript(p, script);
                const out = `${x.stdout}${x.stderr}`.trim();
                return { done: x.code !== 0 && not.test(out), state: out };
              },
              { timeoutMs: 20_000, intervalMs: 300 },
            );
            expect(r.elapsedMs).toBeLessThan(20_000);
          }
          // One pod log line per pod (the kubelet's probe runs write it), not one per probe run.
          const logged = (p: Pod) => containerLog(p).filter((l) => c.reason.test(l));
          await waitFor('the Sentinels and Redis pods to log it', () => ({ done: [...redis, ...sentinels].every((p) => logged(p).length > 0), state: '' }), { timeoutMs: 20_000, intervalMs: 200 });
          await new Promise((r) => setTimeout(r, 6_000)); // more probe periods
          for (const p of [...redis, ...sentinels]) expect({ pod: p.name, lines: logged(p).length }).toEqual({ pod: p.name, lines: 1 });
          // Nothing restarted, and the servers still serve the good files.
          expect(sentinelRestarts).toBe(restarts);
          expect(await call(sentinels[0]!, chart.sentinelPort, tlsClientOptions(good.ca, good.cert), 'PING')).toBe('PONG');
          expect(await call(redis[0]!, 6379, tlsClientOptions(good.ca, good.cert), 'PING')).toBe('PONG');
        } finally {
          writeTlsSecret(chart.tlsDir!, good);
        }
        for (const p of redis) await probe(p, 'readiness-redis.sh', /^ready: /, `${p.name} to be ready again`);
        for (const s of sentinels) await probe(s, 'readiness-sentinel.sh', /^ready: /, `${s.name} to be ready again`);
        expect(sentinelRestarts).toBe(restarts);
      },
      TEST_TIMEOUT_MS,
    );
  }
});

describe('the Secret swapped while a probe runs', () => {
  it(
    'a Sentinel probe that read the old files and then connected with the new ones restarts nothing: it decides on one set of files, at its next run',
    async () => {
      // The race CI met: the probe hashes the mounted files (a bad key), kubelet swaps the Secret
      // back to the good files, the probe's redis-cli then connects with those and succeeds. On that
      // torn view the probe took the good files for "changed, not loaded" and restarted the Sentinel.
      const dir = chart.tlsDir!;
      const current = (n: string) => readFileSync(path.join(dir, n), 'utf8');
      const good = { crt: current('tls.crt'), key: current('tls.key'), ca: current('ca.crt') };
      const goodHash = secretHash();
      const s = sentinels[1]!;
      await probe(s, 'readiness-sentinel.sh', /^ready: /, `${s.name} to be ready first`);
      const restarts = sentinelRestarts;
      const pid = s.pid;
      const logBefore = containerLog(s).length;
      const goodCert = path.join(certDir, `torn-good-${Date.now()}.crt`);
      writeFileSync(goodCert, good.crt);
      writeTlsSecret(dir, { cert: { name: 'torn-bad', crt: goodCert, key: goodCert }, key: readFileSync(makeCert(certDir, 'redis-torn', caNew).key, 'utf8') });
      // The good files as a prepared version of the Secret, and a redis-cli that swaps to them (as
      // kubelet does: one rename of ..data) just before its first connection, then runs the real one.
      const version = `..torn-good-${Date.now()}`;
      mkdirSync(path.join(dir, version));
      for (const [n, text] of Object.entries({ 'tls.crt': good.crt, 'tls.key': good.key, 'ca.crt': good.ca })) writeFileSync(path.join(dir, version, n), text, { mode: 0o600 });
      const wrapper = path.join(sandbox.root, 'redis-cli-swapping-the-secret');
      const mark = path.join(sandbox.root, 'secret-swapped');
      writeFileSync(
        wrapper,
        [
          '#!/usr/bin/env bash',
          `if mkdir ${JSON.stringify(mark)} 2>/dev/null; then`,
          `  cd ${JSON.stringify(dir)} && ln -sfn ${JSON.stringify(version)} ..data_tmp && mv -T ..data_tmp ..data`,
          'fi',
          `exec ${JSON.stringify(redisBinary('redis-cli'))} "$@"`,
          '',
        ].join('\n'),
      );
      chmodSync(wrapper, 0o755);
      try {
        // Its turn to roll, always (one Sentinel, 1-second slots): only the torn view stands between it and a SHUTDOWN.
        const r = await chart.runScript(s, 'readiness-sentinel.sh', 15_000, { REDIS_CLI: wrapper, TLS_ROLL_SLOT: '1', SENTINEL_COUNT: '1' });
        expect(existsSync(mark)).toBe(true);
        expect(secretHash()).toBe(goodHash);
        expect({ code: r.code, out: `${r.stdout}${r.stderr}`.trim() }).toEqual({ code: 0, out: expect.stringMatching(/^ready: /) });
        await new Promise((res) => setTimeout(res, 1000));
        expect({ running: s.running, pid: s.pid, restarts: sentinelRestarts }).toEqual({ running: true, pid, restarts });
        expect(
          containerLog(s)
            .slice(logBefore)
            .filter((l) => /TLS: (restarting|tls\.crt, tls\.key or ca\.crt changed)/.test(l)),
        ).toEqual([]);
        expect(existsSync(path.join(chart.volumeDir(s, 'runtime'), 'tls-pending'))).toBe(false);
      } finally {
        writeTlsSecret(dir, { cert: { name: 'torn-good', crt: goodCert, key: goodCert }, key: good.key, ca: good.ca });
      }
      await probe(s, 'readiness-sentinel.sh', /^ready: /, `${s.name} to be ready after the swap`);
      expect(sentinelRestarts).toBe(restarts);
    },
    TEST_TIMEOUT_MS,
  );
});
