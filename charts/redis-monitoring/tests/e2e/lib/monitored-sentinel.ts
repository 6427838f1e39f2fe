/**
 * What the Sentinel end-to-end files share: a Sentinel group of the redis-sentinel chart's own
 * behaviour harness (every Redis and Sentinel pod started through the chart's scripts, the group
 * whole), and a MonitoredRelease of the monitoring chart's ci/sentinel-values.yaml scenario over
 * it, with every target scraped before the tests start.
 */
import type { ManifestObject, Pod, Sandbox } from '@redis-gitops/redis-testkit';
import { RedisSentinelChart, secretValue, type RenderOptions } from '../../../../redis-sentinel/tests/behaviour/redis-sentinel-chart.ts';
import { waitForGroup, type GroupState } from '../../../../redis-sentinel/tests/behaviour/sentinel-group.ts';
import { MonitoredRelease } from './monitored-release.ts';

export const GROUP_TIMEOUT_MS = 60_000;

export interface SentinelGroup extends GroupState {
  readonly chart: RedisSentinelChart;
  readonly redis: Pod[];
  readonly sentinels: Pod[];
  /** The Redis release name (the pods' app.kubernetes.io/instance). */
  readonly release: string;
  /** Seconds from the render to the whole group. */
  readonly installedS: number;
}

/** Renders the redis-sentinel chart (`options`), starts every pod through its scripts and waits for the whole group. */
export async function startSentinelGroup(sandbox: Sandbox, options: RenderOptions = {}): Promise<SentinelGroup> {
  const t0 = Date.now();
  const chart = await RedisSentinelChart.render(sandbox, options);
  const { redis, sentinels } = await chart.createPods();
  await Promise.all([...redis, ...sentinels].map((p) => chart.start(p)));
  const g = await waitForGroup(redis, sentinels, chart.masterSet, 'the new group to form', GROUP_TIMEOUT_MS, () => sandbox.describe(20));
  const release = String(renderedStatefulSet(chart, chart.redisSts).metadata.labels['app.kubernetes.io/instance']);
  return { ...g, chart, redis, sentinels, release, installedS: (Date.now() - t0) / 1000 };
}

/** The rendered StatefulSet `name` of the chart (throws, naming it, when the render has none). */
export function renderedStatefulSet(chart: RedisSentinelChart, name: string): ManifestObject {
  const sts = chart.objects.find((o) => o.kind === 'StatefulSet' && o.metadata?.name === name);
  if (!sts) throw new Error(`the rendered redis-sentinel chart has no StatefulSet ${name}`);
  return sts;
}

export interface MonitorSentinelOptions {
  /** More `--set` values of the monitoring chart (after the short time constants). */
  readonly set?: readonly string[];
  /** Scrape the Sentinel pods' exporter sidecars too, as the rendered PodMonitor does. @default true */
  readonly scrapeSentinels?: boolean;
}

/** Exporters and Prometheus for the group, as the monitoring chart renders them; resolves once every target is scraped. */
export async function monitorSentinelGroup(sandbox: Sandbox, group: Pick<SentinelGroup, 'chart' | 'redis' | 'sentinels' | 'release'>, o: MonitorSentinelOptions = {}): Promise<MonitoredRelease> {
  const { chart, redis, sentinels } = group;
  const scrapeSentinels = o.scrapeSentinels ?? true;
  const monitored = await MonitoredRelease.start({
    sandbox,
    chart: 'redis-sentinel',
    scenario: 'sentinel-values.yaml',
    release: group.release,
    namespace: chart.namespace,
    shards: 1,
    replicasPerShard: chart.redisNodes - 1,
    statefulSet: renderedStatefulSet(chart, chart.redisSts),
    pods: redis,
    ...(scrapeSentinels ? { sentinels: { statefulSet: renderedStatefulSet(chart, chart.sentinelSts), pods: sentinels } } : {}),
    secret: (ref) => secretValue(ref.name, ref.key),
    ...(o.set?.length ? { set: [...o.set] } : {}),
  });
  await monitored.prometheus.waitTargetsUp(monitored.targetCount);
  return monitored;
}
