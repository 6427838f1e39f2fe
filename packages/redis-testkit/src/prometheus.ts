/**
 * A REAL Prometheus server and one REAL redis_exporter per scraped pod (Redis pods, and the Sentinel
 * pods of a Sentinel group, whose sidecar scrapes the local Sentinel), on loopback, for end-to-end
 * monitoring tests: the rendered PrometheusRule is loaded as Prometheus' rule file, the rendered
 * PodMonitor becomes a scrape job, and the tests ask Prometheus' HTTP API (/api/v1/alerts,
 * /api/v1/query) what fires.
 *
 *   - exporters (`startExporterSidecar`): the exporter container of the rendered StatefulSet
 *     (containerOf), its args and env (the password from the harness's Secret stand-in), with the
 *     pod's own loopback (127.0.0.1 in a pod) mapped to the pod's sandbox address, the one thing a
 *     sandbox pod does not have;
 *   - Prometheus (`PrometheusServer.start`): Debian's `prometheus` on 127.0.0.1 (a free port), its
 *     TSDB in the sandbox, a generated prometheus.yml. Every process is a sandbox Job (own process
 *     group, SIGKILLed by PID at `sandbox.cleanup()` or by the Reaper should the test process die),
 *     every file lives under the sandbox root (removed at cleanup).
 *
 * A missing `prometheus` or `prometheus-redis-exporter` throws at once naming tools/setup.sh.
 */
import { createServer } from 'node:net';
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Job } from './job.ts';
import type { Pod } from './pod.ts';
import { containerEnv, podSpecOf, type ContainerSpec, type ManifestObject, type SecretKeyRef } from './rendered-pod.ts';
import type { Sandbox } from './sandbox.ts';
import { WaitAborted, waitFor } from './wait-for.ts';

export type MonitoringBinary = 'prometheus' | 'prometheus-redis-exporter';

const MONITORING_SETUP_HINT = 'run `bash tools/setup.sh` from the repository root: it installs the Debian packages prometheus and prometheus-redis-exporter';

/** Absolute path of `prometheus` or `prometheus-redis-exporter`; throws naming tools/setup.sh (tests fail, never skip). */
export function monitoringBinary(name: MonitoringBinary): string {
  const dirs = [...new Set([...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/bin', '/usr/local/bin', '/bin'])];
  for (const dir of dirs) {
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  throw new Error(`redis-testkit: ${name} is not installed (looked in ${dirs.join(', ')}); ${MONITORING_SETUP_HINT}`);
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice). */
export function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('redis-testkit: no free port on 127.0.0.1'))));
    });
  });
}

// ---- exporter sidecar -----------------------------------------------------------------------------

export interface ExporterSidecarOptions {
  /** The rendered workload (StatefulSet) whose pod runs the exporter. */
  readonly workload: ManifestObject;
  /** The exporter container, as containerOf(workload, name) gives it. */
  readonly container: ContainerSpec;
  /** The harness's stand-in for the Secrets the container's env reads (e.g. the auth password). */
  readonly secret: (ref: SecretKeyRef) => string;
  readonly namespace: string;
}

/** A running exporter sidecar of one pod: where Prometheus scrapes it. */
export interface ExporterSidecar {
  readonly pod: Pod;
  readonly job: Job;
  /** ip:port of its metrics endpoint (the pod's address, the container port). */
  readonly address: string;
  /** The container port name (the PodMonitor's `port`). */
  readonly portName: string;
}

/**
 * Starts the rendered exporter container of `pod` as a sandbox Job. Its args are used as rendered,
 * with two sandbox mappings: an address without a host (`:9121`) and the pod-local 127.0.0.1 become
 * the pod's own address (in a pod, the sidecar and Redis share the network namespace; here each pod
 * is its own loopback address). Env from the rendered container (Secrets through `secret`).
 */
export function startExporterSidecar(sandbox: Sandbox, pod: Pod, o: ExporterSidecarOptions): ExporterSidecar {
  const raw = ((podSpecOf(o.workload).containers ?? []) as ManifestObject[]).find((c) => c.name === o.container.name);
  if (!raw) throw new Error(`redis-testkit: ${o.workload.kind}/${o.workload.metadata?.name} has no container ${o.container.name}`);
  if ((raw.command ?? []).length > 0)
    throw new Error(
      `redis-testkit: exporter container ${o.container.name} overrides the image's command (${JSON.stringify(raw.command)}); the harness runs the image's entrypoint (redis_exporter) with the rendered args only`,
    );
  const args = ((raw.args ?? []) as unknown[]).map((a) =>
    String(a)
      .replace(/^(--web\.listen-address=):(\d+)$/, `$1${pod.ip}:$2`)
      .replace(/127\.0\.0\.1/g, pod.ip),
  );
  const listen = args.find((a) => a.startsWith('--web.listen-address='))?.split('=')[1];
  if (!listen) throw new Error(`redis-testkit: exporter container ${o.container.name} has no --web.listen-address=:<port> arg: ${JSON.stringify(raw.args)}`);
  const port = Number(listen.split(':').at(-1));
  const portName = o.container.ports.find((p) => Number(p.containerPort) === port)?.name;
  if (!portName) throw new Error(`redis-testkit: exporter container ${o.container.name} listens on ${port}, but declares no container port ${port}: ${JSON.stringify(o.container.ports)}`);
  const env = containerEnv(o.container, { mounts: [], pod: { ip: pod.ip, name: pod.name, namespace: o.namespace }, secret: o.secret });
  const job = sandbox.startJob(`exporter-${pod.name}`, monitoringBinary('prometheus-redis-exporter'), { args, env });
  return { pod, job, address: `${pod.ip}:${port}`, portName };
}

// ---- Prometheus -----------------------------------------------------------------------------------

/** A pod Prometheus should scrape: its exporter, and what Kubernetes service discovery would know about it. */
export interface PodScrapeTarget {
  readonly sidecar: ExporterSidecar;
  /** The pod's labels (the rendered pod template's metadata.labels). */
  readonly podLabels: Readonly<Record<string, string>>;
  readonly namespace: string;
}

export interface PrometheusOptions {
  /** The rendered PodMonitor (monitoring.coreos.com/v1): its selector, endpoint, relabelings. */
  readonly podMonitor: ManifestObject;
  /** The rendered PrometheusRule's `spec` ({ groups }): loaded as the rule file as is. */
  readonly rules: ManifestObject;
  /** Every pod of the release with an exporter sidecar (Redis pods, and a Sentinel group's Sentinel pods); the PodMonitor must select each. */
  readonly targets: readonly PodScrapeTarget[];
  /** Rule evaluation interval (Prometheus' global evaluation_interval). @default the endpoint's scrape interval */
  readonly evaluationInterval?: string;
  /** Upper bound for the server to get ready. @default 60000 */
  readonly startTimeoutMs?: number;
}

/** One alert of /api/v1/alerts. */
export interface PromAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly state: 'pending' | 'firing' | 'inactive';
  readonly activeAt: string;
  readonly value: string;
}

/** One sample of an instant vector of /api/v1/query. */
export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

const LABEL_SANITIZE = /[^a-zA-Z0-9_]/g;

/** One `matchExpressions` entry of a Kubernetes label selector. */
interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

/** Whether pod labels satisfy one selector requirement (Kubernetes semantics: NotIn matches an absent label). */
function requirementMatches(e: LabelSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, e.key);
  switch (e.operator) {
    case 'In':
      return has && (e.values ?? []).includes(labels[e.key]!);
    case 'NotIn':
      return !has || !(e.values ?? []).includes(labels[e.key]!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      throw new Error(`redis-testkit: unknown label selector operator "${String((e as { operator: unknown }).operator)}" in the PodMonitor`);
  }
}

/** prometheus-operator's camelCase relabel config -> Prometheus' snake_case one. */
function relabelConfig(r: ManifestObject): ManifestObject {
  const keys: Record<string, string> = { sourceLabels: 'source_labels', targetLabel: 'target_label', separator: 'separator', regex: 'regex', replacement: 'replacement', modulus: 'modulus' };
  const out: ManifestObject = {};
  for (const [k, v] of Object.entries(r)) {
    if (k === 'action') out.action = String(v).toLowerCase();
    else if (keys[k]) out[keys[k]] = v;
    else throw new Error(`redis-testkit: relabeling field "${k}" of the PodMonitor is not translated by the Prometheus harness: add it in prometheus.ts`);
  }
  return out;
}

/**
 * The scrape job prometheus-operator would generate from a PodMonitor's first endpoint, for pods
 * found by a static list. Static labels stand in for Kubernetes service discovery: each target
 * carries the `__meta_kubernetes_*` labels pod discovery would attach (namespace, pod name, container,
 * port name, one `__meta_kubernetes_pod_label_<name>` per pod label), so the operator's own
 * relabelings (namespace, container, pod, endpoint, job) and the PodMonitor's rendered `relabelings`
 * and `metricRelabelings` run unchanged inside Prometheus and produce the labels a cluster would.
 */
export function podMonitorScrapeConfig(podMonitor: ManifestObject, targets: readonly PodScrapeTarget[]): ManifestObject {
  const name = String(podMonitor.metadata?.name);
  const namespace = String(podMonitor.metadata?.namespace);
  const endpoints = (podMonitor.spec?.podMetricsEndpoints ?? []) as ManifestObject[];
  if (endpoints.length !== 1) throw new Error(`redis-testkit: PodMonitor ${name} has ${endpoints.length} podMetricsEndpoints; the harness handles exactly one`);
  const ep = endpoints[0]!;
  const matchLabels = (podMonitor.spec?.selector?.matchLabels ?? {}) as Record<string, string>;
  const matchExpressions = (podMonitor.spec?.selector?.matchExpressions ?? []) as LabelSelectorRequirement[];
  const namespaces = (podMonitor.spec?.namespaceSelector?.matchNames ?? [namespace]) as string[];
  const problems: string[] = [];
  for (const t of targets) {
    const pod = t.sidecar.pod.name;
    if (!namespaces.includes(t.namespace)) problems.push(`pod ${pod} is in namespace ${t.namespace}, the PodMonitor selects ${namespaces.join(', ')}`);
    for (const [k, v] of Object.entries(matchLabels)) if (t.podLabels[k] !== v) problems.push(`pod ${pod} has ${k}=${t.podLabels[k] ?? '(absent)'}, the PodMonitor selects ${k}=${v}`);
    for (const e of matchExpressions)
      if (!requirementMatches(e, t.podLabels))
        problems.push(`pod ${pod} has ${e.key}=${t.podLabels[e.key] ?? '(absent)'}, the PodMonitor selects ${e.key} ${e.operator} ${JSON.stringify(e.values ?? [])}`);
    if (t.sidecar.portName !== ep.port) problems.push(`pod ${pod}'s exporter port is named ${t.sidecar.portName}, the PodMonitor scrapes port ${ep.port}`);
  }
  if (problems.length > 0) throw new Error(`redis-testkit: the PodMonitor ${name} would not scrape the pods as given:\n  ${problems.join('\n  ')}`);
  const meta = (t: PodScrapeTarget): Record<string, string> => {
    const labels: Record<string, string> = {
      __meta_kubernetes_namespace: t.namespace,
      __meta_kubernetes_pod_name: t.sidecar.pod.name,
      __meta_kubernetes_pod_ip: t.sidecar.pod.ip,
      __meta_kubernetes_pod_container_name: 'metrics',
      __meta_kubernetes_pod_container_port_name: String(ep.port),
    };
    for (const [k, v] of Object.entries(t.podLabels)) {
      labels[`__meta_kubernetes_pod_label_${k.replace(LABEL_SANITIZE, '_')}`] = v;
      labels[`__meta_kubernetes_pod_labelpresent_${k.replace(LABEL_SANITIZE, '_')}`] = 'true';
    }
    return labels;
  };
  // What prometheus-operator puts before the PodMonitor's own relabelings (target selection is done above).
  const operatorRelabelings: ManifestObject[] = [
    { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
    { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
    { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
    { target_label: 'job', replacement: `${namespace}/${name}` },
    { target_label: 'endpoint', replacement: String(ep.port) },
  ];
  return {
    job_name: `podMonitor/${namespace}/${name}/0`,
    honor_labels: ep.honorLabels ?? false,
    scrape_interval: ep.interval,
    scrape_timeout: ep.scrapeTimeout,
    metrics_path: ep.path ?? '/metrics',
    scheme: ep.scheme ?? 'http',
    static_configs: targets.map((t) => ({ targets: [t.sidecar.address], labels: meta(t) })),
    relabel_configs: [...operatorRelabelings, ...((ep.relabelings ?? []) as ManifestObject[]).map(relabelConfig)],
    metric_relabel_configs: ((ep.metricRelabelings ?? []) as ManifestObject[]).map(relabelConfig),
  };
}

/** A real Prometheus on 127.0.0.1 scraping the exporter sidecars and evaluating the rendered rules. */
export class PrometheusServer {
  readonly url: string;
  readonly job: Job;
  readonly dir: string;
  /** The generated prometheus.yml (JSON, which Prometheus' YAML parser reads). */
  readonly config: ManifestObject;

  private readonly podMonitor: ManifestObject;

  private constructor(url: string, job: Job, dir: string, config: ManifestObject, podMonitor: ManifestObject) {
    this.url = url;
    this.job = job;
    this.dir = dir;
    this.config = config;
    this.podMonitor = podMonitor;
  }

  /**
   * Service discovery saw pods come or go (a deleted pod, a pod recreated on a new address with a new
   * sidecar): rewrites the scrape job's static targets, reloads Prometheus (SIGHUP to its PID) and
   * waits until its active targets are exactly these.
   */
  async setTargets(targets: readonly PodScrapeTarget[], timeoutMs = 30_000): Promise<void> {
    const scrape = podMonitorScrapeConfig(this.podMonitor, targets);
    const config = { ...this.config, scrape_configs: [scrape] };
    writeFileSync(path.join(this.dir, 'prometheus.yml'), JSON.stringify(config, null, 2));
    (this as { config: ManifestObject }).config = config;
    process.kill(this.job.pid, 'SIGHUP');
    const want = targets.map((t) => t.sidecar.address).sort();
    await waitFor(
      `prometheus to reload its config with targets ${want.join(', ')}`,
      async () => {
        if (!this.job.running) throw new WaitAborted(`prometheus exited:\n${this.job.describe(30)}`);
        const data = await this.api<{ activeTargets: Array<{ scrapeUrl: string }> }>('/api/v1/targets?state=active');
        const have = data.activeTargets.map((t) => new URL(t.scrapeUrl).host).sort();
        return { done: JSON.stringify(have) === JSON.stringify(want), state: `active targets: ${have.join(', ')}` };
      },
      { timeoutMs, intervalMs: 250, context: () => this.job.describe(20) },
    );
  }

  /** Writes prometheus.yml and the rule file into the sandbox, starts the server, waits until /-/ready and a clean config load. */
  static async start(sandbox: Sandbox, o: PrometheusOptions): Promise<PrometheusServer> {
    const binary = monitoringBinary('prometheus');
    const dir = path.join(sandbox.root, 'prometheus');
    mkdirSync(path.join(dir, 'data'), { recursive: true });
    const scrape = podMonitorScrapeConfig(o.podMonitor, o.targets);
    const config = {
      global: { scrape_interval: scrape.scrape_interval, scrape_timeout: scrape.scrape_timeout, evaluation_interval: o.evaluationInterval ?? scrape.scrape_interval },
      rule_files: [path.join(dir, 'rules.yml')],
      scrape_configs: [scrape],
    };
    writeFileSync(path.join(dir, 'rules.yml'), JSON.stringify({ groups: o.rules.groups ?? [] }, null, 2));
    writeFileSync(path.join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2));
    const port = await freeLocalPort();
    const job = sandbox.startJob('prometheus', binary, {
      cwd: dir,
      args: [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1d',
        '--log.level=info',
      ],
    });
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, job, dir, config, o.podMonitor);
    await waitFor(
      `prometheus to be ready on ${server.url}`,
      async () => {
        if (!job.running) throw new WaitAborted(`prometheus exited:\n${job.describe(30)}`);
        const res = await fetch(`${server.url}/-/ready`, { signal: AbortSignal.timeout(2000) });
        return { done: res.ok, state: `HTTP ${res.status}` };
      },
      { timeoutMs: o.startTimeoutMs ?? 60_000, intervalMs: 200, context: () => job.describe(30) },
    );
    const rules = await server.api<{ groups: Array<{ rules: unknown[] }> }>('/api/v1/rules');
    const loaded = rules.groups.reduce((n, g) => n + g.rules.length, 0);
    const expected = ((o.rules.groups ?? []) as ManifestObject[]).reduce((n, g) => n + ((g.rules ?? []) as unknown[]).length, 0);
    if (loaded !== expected) throw new Error(`redis-testkit: prometheus loaded ${loaded} rules, the rendered PrometheusRule has ${expected}\n${job.describe(30)}`);
    return server;
  }

  /** GET an API path; returns `data`, throws on a non-success status. */
  async api<T>(pathAndQuery: string): Promise<T> {
    const res = await fetch(`${this.url}${pathAndQuery}`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (!res.ok || body.status !== 'success') throw new Error(`prometheus ${pathAndQuery}: HTTP ${res.status} ${body.error ?? ''}`);
    return body.data;
  }

  /** An instant query; the result must be a vector. */
  async query(expr: string): Promise<PromSample[]> {
    const data = await this.api<{ resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
    if (data.resultType !== 'vector') throw new Error(`prometheus query ${expr}: result type ${data.resultType}, expected vector`);
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /**
   * A range query (/api/v1/query_range, what Grafana runs for a time series panel) from `startS` to
   * `endS` (Unix seconds) every `stepS`: each series with its number of points, and of points that are numbers (not NaN).
   */
  async queryRange(expr: string, startS: number, endS: number, stepS: number): Promise<Array<{ metric: Record<string, string>; points: number; numbers: number }>> {
    const q = `query=${encodeURIComponent(expr)}&start=${startS.toFixed(3)}&end=${endS.toFixed(3)}&step=${stepS}`;
    const data = await this.api<{ resultType: string; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }>(`/api/v1/query_range?${q}`);
    if (data.resultType !== 'matrix') throw new Error(`prometheus query_range ${expr}: result type ${data.resultType}, expected matrix`);
    return data.result.map((r) => ({ metric: r.metric, points: r.values.length, numbers: r.values.filter((v) => !Number.isNaN(Number(v[1]))).length }));
  }

  /** Every pending or firing alert (/api/v1/alerts: resolved alerts are not listed). */
  async alerts(): Promise<PromAlert[]> {
    return (await this.api<{ alerts: PromAlert[] }>('/api/v1/alerts')).alerts;
  }

  /** Waits until every target of the scrape job was scraped successfully (up == 1 for `count` targets). */
  async waitTargetsUp(count: number, timeoutMs = 60_000): Promise<number> {
    const r = await waitFor(
      `prometheus to scrape ${count} targets with up == 1`,
      async () => {
        if (!this.job.running) throw new WaitAborted(`prometheus exited:\n${this.job.describe(30)}`);
        const up = await this.query('up');
        const ok = up.filter((s) => s.value === 1).length;
        return { done: up.length === count && ok === count, state: up.map((s) => `${s.metric.pod ?? s.metric.instance}=${s.value}`).join(' ') || '(no up series yet)' };
      },
      { timeoutMs, intervalMs: 500, context: () => this.job.describe(20) },
    );
    return r.elapsedMs;
  }

  /** Waits until an alert named `name` (matching `match`, when given) is in `state`; returns it. */
  async waitForAlert(name: string, o: { state?: 'pending' | 'firing'; match?: (a: PromAlert) => boolean; timeoutMs: number }): Promise<PromAlert> {
    const state = o.state ?? 'firing';
    const r = await waitFor(
      `alert ${name} to be ${state}`,
      async () => {
        if (!this.job.running) throw new WaitAborted(`prometheus exited:\n${this.job.describe(30)}`);
        const all = await this.alerts();
        const hit = all.find((a) => a.labels.alertname === name && a.state === state && (o.match?.(a) ?? true));
        return { done: hit !== undefined, state: alertsText(all), value: hit };
      },
      { timeoutMs: o.timeoutMs, intervalMs: 250 },
    );
    return r.value!;
  }

  /** Waits until no alert named `name` (matching `match`) is pending or firing. */
  async waitForAlertGone(name: string, o: { match?: (a: PromAlert) => boolean; timeoutMs: number }): Promise<void> {
    await waitFor(
      `alert ${name} to resolve`,
      async () => {
        if (!this.job.running) throw new WaitAborted(`prometheus exited:\n${this.job.describe(30)}`);
        const all = await this.alerts();
        return { done: !all.some((a) => a.labels.alertname === name && (o.match?.(a) ?? true)), state: alertsText(all) };
      },
      { timeoutMs: o.timeoutMs, intervalMs: 250 },
    );
  }

  /** Waits until /api/v1/alerts lists nothing pending or firing (only alerts for which `counts` is true count). */
  async waitNoAlerts(timeoutMs: number, counts: (a: PromAlert) => boolean = () => true): Promise<void> {
    await waitFor(
      'every alert to resolve',
      async () => {
        if (!this.job.running) throw new WaitAborted(`prometheus exited:\n${this.job.describe(30)}`);
        const all = await this.alerts();
        return { done: !all.some(counts), state: alertsText(all) };
      },
      { timeoutMs, intervalMs: 500 },
    );
  }
}

/** "RedisDown{pod=rc-0} firing; RedisClusterSlotsPfail{pod=rc-2} pending" for messages and logs. */
export function alertsText(alerts: readonly PromAlert[]): string {
  if (alerts.length === 0) return '(no alert pending or firing)';
  return alerts.map((a) => `${a.labels.alertname}{${a.labels.pod ? `pod=${a.labels.pod}` : `release=${a.labels.release ?? ''}`}} ${a.state}`).join('; ');
}
