/**
 * A REAL HAProxy "pod" for behaviour tests: Debian's `haproxy` runs a rendered Deployment's HAProxy
 * container with the rendered configuration, unchanged. The harness supplies only what Kubernetes
 * would:
 *   - the container's env (downward API: status.podIP is the pod's sandbox address; Secrets through
 *     `secret`);
 *   - its volumes: every ConfigMap volume becomes a sandbox dir holding the ConfigMap's keys, and
 *     paths in the command are mapped to those dirs;
 *   - DNS: like kubelet, a pod-level /etc/resolv.conf naming the cluster DNS, here a DnsServer of
 *     the sandbox, bind-mounted over /etc/resolv.conf in a private mount namespace (`unshare
 *     --mount`, needs root) that only this process sees.
 * The process is a sandbox Job: SIGKILLed by PID at `sandbox.cleanup()`, or by the Reaper should
 * the test process die. A missing `haproxy` throws at once naming tools/setup.sh.
 */
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import type { DnsServer } from './dns-server.ts';
import type { Job } from './job.ts';
import { containerEnv, containerOf, mapPath, podSpecOf, sandboxMounts, type ContainerSpec, type ManifestObject, type SecretKeyRef } from './rendered-pod.ts';
import type { Sandbox } from './sandbox.ts';
import { waitFor } from './wait-for.ts';

const HAPROXY_SETUP_HINT = 'run `bash tools/setup.sh` from the repository root: it installs the Debian package haproxy';

/** Absolute path of `haproxy`; throws naming tools/setup.sh (tests fail, never skip). */
export function haproxyBinary(): string {
  const dirs = [...new Set([...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/sbin'])];
  for (const dir of dirs) {
    const file = path.join(dir, 'haproxy');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  throw new Error(`redis-testkit: haproxy is not installed (looked in ${dirs.join(', ')}); ${HAPROXY_SETUP_HINT}`);
}

export interface HaproxyPodOptions {
  /** The pod's name, e.g. `<deployment>-0`. */
  readonly name: string;
  /** The rendered Deployment. */
  readonly workload: ManifestObject;
  /** @default 'haproxy' */
  readonly container?: string;
  /** Every rendered ConfigMap the pod may mount (by metadata.name). */
  readonly configMaps: readonly ManifestObject[];
  /** The harness's stand-in for the Secrets the container's env reads. */
  readonly secret: (ref: SecretKeyRef) => string;
  readonly namespace: string;
  /** The cluster DNS the pod's resolv.conf names. */
  readonly dns: DnsServer;
}

/** A running HAProxy pod. */
export interface HaproxyPod {
  readonly name: string;
  readonly ip: string;
  readonly job: Job;
  readonly container: ContainerSpec;
  /** Container port by name (redis, redis-ro, metrics). */
  readonly ports: Readonly<Record<string, number>>;
  /** The haproxy.cfg (or other ConfigMap files) as the process reads them: exactly the rendered text. */
  readonly files: Readonly<Record<string, string>>;
}

const tcpOpen = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });

/**
 * Starts the rendered HAProxy container as a sandbox Job on a fresh address; resolves once every
 * container port accepts connections and its readinessProbe passes (after initialDelaySeconds).
 */
export async function startHaproxyPod(sandbox: Sandbox, o: HaproxyPodOptions): Promise<HaproxyPod> {
  const binary = haproxyBinary();
  const c = containerOf(o.workload, o.container ?? 'haproxy');
  const raw = ((podSpecOf(o.workload).containers ?? []) as ManifestObject[]).find((x) => x.name === c.name)!;
  const command = [...((raw.command ?? []) as string[]), ...((raw.args ?? []) as string[])];
  if (command[0] !== 'haproxy') throw new Error(`redis-testkit: container ${c.name} runs ${JSON.stringify(command)}, not haproxy: the harness runs Debian's haproxy with the rendered arguments`);
  const ip = await sandbox.allocateIp();
  const dir = path.join(sandbox.root, 'haproxy', o.name);
  mkdirSync(dir, { recursive: true });
  const volumes = (podSpecOf(o.workload).volumes ?? []) as ManifestObject[];
  const files: Record<string, string> = {};
  const named = (volume: string): string => {
    const v = volumes.find((x) => x.name === volume);
    const cm = v?.configMap ? o.configMaps.find((m) => m.metadata?.name === v.configMap.name) : undefined;
    if (!cm) throw new Error(`redis-testkit: volume "${volume}" of ${o.name} is not a rendered ConfigMap; the HAProxy harness has no stand-in for it`);
    const vdir = path.join(dir, 'volumes', volume);
    mkdirSync(vdir, { recursive: true });
    for (const [k, text] of Object.entries((cm.data ?? {}) as Record<string, string>)) {
      writeFileSync(path.join(vdir, k), text);
      files[k] = text;
    }
    return vdir;
  };
  const mounts = sandboxMounts(c, { named, harness: 'packages/redis-testkit/src/haproxy.ts' });
  const env = containerEnv(c, { mounts, pod: { ip, name: o.name, namespace: o.namespace }, secret: o.secret });
  const args = command.slice(1).map((a) => mapPath(a, mounts));
  const resolvConf = path.join(dir, 'resolv.conf');
  writeFileSync(resolvConf, o.dns.resolvConf());
  const startedAt = Date.now();
  const job = sandbox.startJob(o.name, 'unshare', {
    args: ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind "$0" /etc/resolv.conf && exec "$@"', resolvConf, binary, ...args],
    env,
    cwd: dir,
  });
  const ports = Object.fromEntries(c.ports.map((p) => [String(p.name), Number(p.containerPort)]));
  await waitFor(
    `haproxy ${o.name} to listen on ${ip} (${Object.entries(ports)
      .map(([n, p]) => `${n} ${p}`)
      .join(', ')})`,
    async () => {
      if (!job.running) throw new Error(`redis-testkit: haproxy ${o.name} exited:\n${job.describe(40)}`);
      const open = await Promise.all(Object.values(ports).map((p) => tcpOpen(ip, p)));
      return { done: open.every(Boolean), state: job.describe(10) };
    },
    { timeoutMs: 15_000, intervalMs: 100 },
  );
  await waitReady(o.name, ip, raw, ports, startedAt, job);
  return { name: o.name, ip, job, container: c, ports, files };
}

/**
 * kubelet's part: the container's rendered httpGet readinessProbe, first after initialDelaySeconds
 * from the start, then until it answers 2xx (a Service sends no traffic to the pod before).
 */
async function waitReady(name: string, ip: string, raw: ManifestObject, ports: Record<string, number>, startedAt: number, job: Job): Promise<void> {
  const probe = raw.readinessProbe as ManifestObject | undefined;
  if (!probe) return;
  if (!probe.httpGet) throw new Error(`redis-testkit: the readinessProbe of ${name} is not an httpGet probe; the HAProxy harness runs httpGet probes only`);
  const port = typeof probe.httpGet.port === 'number' ? probe.httpGet.port : ports[String(probe.httpGet.port)];
  if (port === undefined) throw new Error(`redis-testkit: the readinessProbe of ${name} names port ${probe.httpGet.port}, which the container does not declare`);
  const delay = Number(probe.initialDelaySeconds ?? 0) * 1000 - (Date.now() - startedAt);
  if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  const url = `http://${ip}:${port}${probe.httpGet.path ?? '/'}`;
  await waitFor(
    `the readinessProbe of ${name} (GET ${url}) to pass`,
    async () => {
      if (!job.running) throw new Error(`redis-testkit: haproxy ${name} exited:\n${job.describe(40)}`);
      const status = await fetch(url, { signal: AbortSignal.timeout(Number(probe.timeoutSeconds ?? 1) * 1000) }).then(
        (r) => r.status,
        (e: Error) => e.message,
      );
      return { done: typeof status === 'number' && status >= 200 && status < 400, state: String(status) };
    },
    { timeoutMs: 30_000, intervalMs: Number(probe.periodSeconds ?? 10) * 1000 },
  );
}
