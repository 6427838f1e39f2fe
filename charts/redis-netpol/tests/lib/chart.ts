/** Renders charts/redis-netpol (and the Redis charts it protects) with the real helm, and loads the policies it must pass. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RenderedObject } from '@redis-gitops/manifests';
import { loadPolicies, type PolicySet } from '@redis-gitops/policy';
import { chartScenarios, ofKind, renderChart, templateChart, type HelmResult } from '@redis-gitops/redis-testkit';

export { ofKind };
import YAML from 'yaml';

export const CHART = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO = path.resolve(CHART, '..', '..');
export const NAMESPACE = 'redis-prod';
export const SCENARIOS = chartScenarios(CHART);
/** The namespace labels of a production environment, as the policy bindings select them. */
export const PRODUCTION_LABELS = { 'redis-gitops.dev/tier': 'production', 'kubernetes.io/metadata.name': NAMESPACE };

export type Obj = Record<string, any>;
export type RedisChart = 'redis-cluster' | 'redis-sentinel';

export const scenario = (f: string): string[] => ['-f', path.join(CHART, 'ci', f)];
export const scenarioValues = (f: string): Obj => (YAML.parse(readFileSync(path.join(CHART, 'ci', f), 'utf8')) as Obj | null) ?? {};

/** `helm template <release> <chartDir> --namespace <ns> <args>` without throwing. */
export function helmTemplate(chartDir: string, args: string[] = [], release = 'rc', namespace = NAMESPACE): Promise<HelmResult> {
  return templateChart(chartDir, { release, namespace, args });
}

const renders = new Map<string, Promise<RenderedObject[]>>();

/** Renders are deterministic, so each distinct render runs helm once per test file (callers never mutate the objects). */
function renderCached(chart: string, args: string[], release: string, namespace: string): Promise<RenderedObject[]> {
  const key = JSON.stringify([chart, args, release, namespace]);
  let r = renders.get(key);
  if (!r) {
    r = renderChart(path.join(REPO, 'charts', chart), { release, namespace, args });
    renders.set(key, r);
  }
  return r;
}

/** This chart, rendered as release `release` into `namespace`. */
export const render = (args: string[] = [], release = 'rc', namespace = NAMESPACE): Promise<RenderedObject[]> => renderCached('redis-netpol', args, release, namespace);

/** A Redis chart with its production scenario plus this chart pointed at it, both in one namespace (one environment). */
export async function renderWithRedis(
  chart: RedisChart,
  netpolArgs: string[],
  redisRelease: string,
  namespace = NAMESPACE,
): Promise<{ redis: RenderedObject[]; netpol: RenderedObject[]; all: RenderedObject[] }> {
  const [redis, netpol] = await Promise.all([
    renderCached(chart, ['-f', path.join(REPO, 'charts', chart, 'ci/production-values.yaml')], redisRelease, namespace),
    renderCached('redis-netpol', [...netpolArgs, '--set', `target.release=${redisRelease}`, '--set', `target.chart=${chart}`], `${redisRelease}-netpol`, namespace),
  ]);
  return { redis, netpol, all: [...redis, ...netpol] };
}

export const byName = (objs: readonly RenderedObject[], name: string): Obj => {
  const found = objs.filter((o) => o.name === name);
  if (found.length !== 1) throw new Error(`expected one object named ${name}, got ${found.length}: ${objs.map((o) => o.name).join(', ')}`);
  return found[0]!.object as Obj;
};

/** policies/<name>/<name>.yaml, compiled. */
export function policySet(...names: string[]): PolicySet {
  return loadPolicies(names.map((n) => ({ path: `policies/${n}/${n}.yaml`, text: readFileSync(path.join(REPO, 'policies', n, `${n}.yaml`), 'utf8') })));
}

/** Helm's merge of values: maps deeply, everything else (lists too) replaced. */
function mergeValues(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  const isMap = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isMap(base) || !isMap(over)) return over;
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeValues(base[k], v);
  return out;
}

/** The chart's values.yaml with a ci/ scenario merged over it, as helm sees them. */
export function effectiveValues(scenarioFile?: string): Obj {
  const defaults = YAML.parse(readFileSync(path.join(CHART, 'values.yaml'), 'utf8')) as Obj;
  return mergeValues(defaults, scenarioFile ? scenarioValues(scenarioFile) : {}) as Obj;
}
