/**
 * End-to-end monitoring harness: a Redis release started from its own rendered chart (the chart
 * harnesses of charts/redis-cluster/tests/behaviour and charts/redis-sentinel/tests/behaviour),
 * the exporter sidecar of its rendered StatefulSet per Redis pod (the real Debian redis_exporter),
 * for a Sentinel group also the sidecar of the rendered Sentinel StatefulSet per Sentinel pod (it
 * scrapes the local redis-sentinel), and a real Prometheus that scrapes them as the rendered
 * PodMonitor says (selector, `component` relabeling) and evaluates the
 * rendered PrometheusRule of charts/redis-monitoring (the ci/ scenario of the chart under test).
 *
 * The monitoring chart is rendered with the ci/ scenario, pointed at the release under test
 * (target.release/shards/replicasPerShard: what the generator sets from the same environment), and
 * with SHORT time constants only: scrape interval, every alert's `for`, the look-back windows
 * that are values. Expressions and thresholds are the production ones.
 */
import type { RenderedObject } from '@redis-gitops/manifests';
import {
  containerOf,
  onlyObject,
  PrometheusServer,
  startExporterSidecar,
  type ExporterSidecar,
  type ManifestObject,
  type Pod,
  type PodScrapeTarget,
  type PromAlert,
  type Sandbox,
  type SecretKeyRef,
} from '@redis-gitops/redis-testkit';
import { ALERT_RULES, type AlertRule } from '@redis-gitops/dashboards';
import { alertRules, render, scenario, type Rule } from '../../lib/chart.ts';

/** Scrape interval and rule evaluation interval of the e2e Prometheus. */
export const SCRAPE_INTERVAL = '2s';
export const EVALUATION_INTERVAL = '1s';
/** Every alert's `for` (and RedisDown's downFor, RedisStartHeld's startHeldFor) in the e2e tests. */
export const SHORT_FOR = '10s';

/**
 * The `--set` arguments that shorten the time constants of the monitoring chart, and nothing else.
 * RedisMemoryGrowthToMaxmemory keeps its production `for` (1h) and window: a linear fit over a
 * minute of writes extrapolated over `memoryGrowthHorizonHours` (at least 1h) says nothing, so
 * shortening only its `for` would make it fire on any write load (see the no-false-alarm test).
 * memory-growth.test.ts shortens its window, horizon and `for` together (MonitoredReleaseOptions.set).
 */
export function shortTimeValues(): string[] {
  const set = [
    `scrape.interval=${SCRAPE_INTERVAL}`,
    'scrape.scrapeTimeout=1s',
    `alerts.thresholds.downFor=${SHORT_FOR}`,
    `alerts.thresholds.startHeldFor=${SHORT_FOR}`,
    'alerts.thresholds.dataVanishedWindow=2m',
  ];
  // Every alert whose `for` is its own `alerts.for.<alert>` value (the others: a threshold, or none).
  for (const rule of ALERT_RULES as readonly AlertRule[]) {
    if (rule.for !== `<% $for.${rule.alert} %>` || rule.alert === 'RedisMemoryGrowthToMaxmemory') continue;
    set.push(`alerts.for.${rule.alert}=${SHORT_FOR}`);
  }
  return set.flatMap((s) => ['--set', s]);
}

export interface MonitoredReleaseOptions {
  readonly sandbox: Sandbox;
  /** `redis-cluster` or `redis-sentinel`: the chart the Redis release was rendered from. */
  readonly chart: 'redis-cluster' | 'redis-sentinel';
  /** The ci/ scenario of charts/redis-monitoring for that chart. */
  readonly scenario: string;
  readonly release: string;
  readonly namespace: string;
  readonly shards: number;
  readonly replicasPerShard: number;
  /** The Redis release's rendered StatefulSet (its pod template labels and exporter container). */
  readonly statefulSet: ManifestObject;
  /** Its Redis pods, all of them (the PodMonitor must select exactly these). */
  readonly pods: readonly Pod[];
  /**
   * redis-sentinel: the rendered Sentinel StatefulSet and its pods. Each Sentinel pod gets the
   * `metrics` container of that StatefulSet as its sidecar, and Prometheus scrapes it with the
   * Sentinel pod template's labels (component `sentinel`). Absent: the Sentinels are not scraped.
   */
  readonly sentinels?: { readonly statefulSet: ManifestObject; readonly pods: readonly Pod[] };
  /** The chart harness's Secret stand-in (the exporter's REDIS_PASSWORD). */
  readonly secret: (ref: SecretKeyRef) => string;
  /** More `--set` values of the monitoring chart, after shortTimeValues() (a test that shortens one more time constant). */
  readonly set?: readonly string[];
}

/** The exporter sidecars and Prometheus of one Redis release. Everything runs in the caller's sandbox and dies with its cleanup(). */
export class MonitoredRelease {
  readonly prometheus: PrometheusServer;
  /** The running sidecars, by pod name. */
  readonly sidecars = new Map<string, ExporterSidecar>();
  private readonly options: MonitoredReleaseOptions;
  readonly monitoringObjects: readonly RenderedObject[];
  /** The rendered alert rules Prometheus evaluates. */
  readonly rules: readonly Rule[];

  private constructor(prometheus: PrometheusServer, sidecars: readonly ExporterSidecar[], objs: readonly RenderedObject[], options: MonitoredReleaseOptions) {
    this.prometheus = prometheus;
    for (const s of sidecars) this.sidecars.set(s.pod.name, s);
    this.options = options;
    this.monitoringObjects = objs;
    this.rules = alertRules(objs);
  }

  static async start(o: MonitoredReleaseOptions): Promise<MonitoredRelease> {
    const objs = await render(
      [
        ...scenario(o.scenario),
        '--set',
        `target.chart=${o.chart}`,
        '--set',
        `target.release=${o.release}`,
        '--set',
        `target.shards=${o.shards}`,
        '--set',
        `target.replicasPerShard=${o.replicasPerShard}`,
        ...shortTimeValues(),
        ...(o.set ?? []).flatMap((x) => ['--set', x]),
      ],
      o.release,
    );
    const podMonitor = onlyObject(objs, 'PodMonitor');
    const rule = onlyObject(objs, 'PrometheusRule');
    if (podMonitor.metadata.namespace !== o.namespace) throw new Error(`the monitoring chart renders into ${podMonitor.metadata.namespace}, the Redis release runs in ${o.namespace}`);
    const sidecars = [...o.pods, ...(o.sentinels?.pods ?? [])].map((pod) => sidecarOf(o, pod));
    const prometheus = await PrometheusServer.start(o.sandbox, {
      podMonitor,
      rules: rule.spec,
      targets: sidecars.map((sidecar) => targetOf(o, sidecar)),
      evaluationInterval: EVALUATION_INTERVAL,
    });
    return new MonitoredRelease(prometheus, sidecars, objs, o);
  }

  /** How many pods Prometheus scrapes now (Redis pods + Sentinel pods with a running sidecar). */
  get targetCount(): number {
    return this.sidecars.size;
  }

  /** Alerts whose `for` the test shortened (to SHORT_FOR). */
  get shortenedAlerts(): Set<string> {
    return new Set(this.rules.filter((r) => r.for === SHORT_FOR).map((r) => r.alert));
  }

  /**
   * Waits until no alert fires and no alert with a shortened `for` is pending. An alert that keeps
   * its production `for` (RedisMemoryGrowthToMaxmemory: 1h) may stay pending: it cannot fire within a test.
   */
  waitQuiet(timeoutMs: number): Promise<void> {
    const shortened = this.shortenedAlerts;
    return this.prometheus.waitNoAlerts(timeoutMs, (a) => a.state === 'firing' || shortened.has(a.labels.alertname ?? ''));
  }

  /** A pod was deleted: its exporter sidecar dies with it (SIGKILL by PID) and service discovery drops the target. */
  async podDeleted(pod: Pod): Promise<void> {
    const s = this.sidecars.get(pod.name);
    if (s) await s.job.kill();
    this.sidecars.delete(pod.name);
    await this.prometheus.setTargets([...this.sidecars.values()].map((x) => targetOf(this.options, x)));
  }

  /** A pod (re)appeared, possibly on a new address: a new exporter sidecar, and service discovery adds the target. */
  async podCreated(pod: Pod): Promise<void> {
    if (this.sidecars.has(pod.name)) throw new Error(`pod ${pod.name} still has its sidecar: call podDeleted first`);
    this.sidecars.set(pod.name, sidecarOf(this.options, pod));
    await this.prometheus.setTargets([...this.sidecars.values()].map((x) => targetOf(this.options, x)));
  }
}

/** The rendered StatefulSet a pod belongs to: the Sentinel one for a Sentinel pod, else the Redis one. */
function workloadOf(o: MonitoredReleaseOptions, pod: Pod): ManifestObject {
  return o.sentinels?.pods.some((p) => p.name === pod.name) ? o.sentinels.statefulSet : o.statefulSet;
}

function sidecarOf(o: MonitoredReleaseOptions, pod: Pod): ExporterSidecar {
  const workload = workloadOf(o, pod);
  return startExporterSidecar(o.sandbox, pod, { workload, container: containerOf(workload, 'metrics'), namespace: o.namespace, secret: o.secret });
}

/** The pod as service discovery sees it: its pod template labels (its rendered StatefulSet's) and namespace. */
function targetOf(o: MonitoredReleaseOptions, sidecar: ExporterSidecar): PodScrapeTarget {
  return { sidecar, podLabels: (workloadOf(o, sidecar.pod).spec?.template?.metadata?.labels ?? {}) as Record<string, string>, namespace: o.namespace };
}

/** One alert's life as the test saw it: when it first was pending/firing and when it was last seen, relative to `t0`. */
export interface AlertSighting {
  readonly key: string;
  readonly alert: string;
  readonly severity: string;
  firstPendingS?: number;
  firstFiringS?: number;
  lastSeenS: number;
  /** Every master_host:master_port the alert carried (replication alerts), in the order first seen. */
  readonly masters: string[];
}

/**
 * Polls /api/v1/alerts every `periodMs` in the background and records every alert it sees, so a
 * test can say afterwards what was pending or firing and when.
 */
export class AlertRecorder {
  readonly t0 = Date.now();
  readonly seen = new Map<string, AlertSighting>();
  readonly errors: string[] = [];
  private readonly prometheus: PrometheusServer;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();

  constructor(prometheus: PrometheusServer, periodMs = 1000) {
    this.prometheus = prometheus;
    this.timer = setInterval(() => {
      this.polling = this.poll();
    }, periodMs);
  }

  private async poll(): Promise<void> {
    let alerts: PromAlert[];
    try {
      alerts = await this.prometheus.alerts();
    } catch (e) {
      this.errors.push((e as Error).message);
      return;
    }
    const now = (Date.now() - this.t0) / 1000;
    for (const a of alerts) {
      const key = `${a.labels.alertname}{${a.labels.pod ?? a.labels.release ?? ''}}`;
      const s = this.seen.get(key) ?? { key, alert: a.labels.alertname!, severity: a.labels.severity ?? '?', lastSeenS: now, masters: [] };
      const master = a.labels.master_host === undefined ? undefined : `${a.labels.master_host}:${a.labels.master_port ?? ''}`;
      if (master !== undefined && !s.masters.includes(master)) s.masters.push(master);
      if (a.state === 'pending' && s.firstPendingS === undefined) s.firstPendingS = now;
      if (a.state === 'firing' && s.firstFiringS === undefined) s.firstFiringS = now;
      s.lastSeenS = now;
      this.seen.set(key, s);
    }
  }

  /** Stops polling after one last look, so a state a test has just waited for is always recorded. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
    this.polling = this.poll();
    await this.polling;
  }

  firing(): AlertSighting[] {
    return [...this.seen.values()].filter((s) => s.firstFiringS !== undefined);
  }

  text(): string {
    const rows = [...this.seen.values()].map(
      (s) =>
        `${s.key} (${s.severity}): ${s.firstPendingS === undefined ? '' : `pending at ${s.firstPendingS.toFixed(1)}s, `}${s.firstFiringS === undefined ? 'never fired' : `firing at ${s.firstFiringS.toFixed(1)}s`}, last seen ${s.lastSeenS.toFixed(1)}s${s.masters.length ? ` (master ${s.masters.join(', ')})` : ''}`,
    );
    return rows.length === 0 ? '(no alert was ever pending or firing)' : rows.join('\n');
  }
}
