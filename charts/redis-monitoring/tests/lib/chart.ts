/** Renders charts/redis-monitoring with the real helm and picks the objects the tests look at. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RenderedObject } from '@redis-gitops/manifests';
import { chartScenarios, ofKind, renderChart } from '@redis-gitops/redis-testkit';

export { ofKind };

export const CHART = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NAMESPACE = 'redis';
export const SCENARIOS = chartScenarios(CHART);

export type Obj = Record<string, any>;

export const scenario = (f: string): string[] => ['-f', path.join(CHART, 'ci', f)];

/** `helm template rc <chart> --namespace redis <args>`, parsed; throws with helm's stderr on failure. */
export const render = (args: string[] = [], release = 'rc'): Promise<RenderedObject[]> => renderChart(CHART, { release, namespace: NAMESPACE, args });

export interface Rule {
  readonly group: string;
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** The `spec` of the (single) PrometheusRule: a Prometheus rule file. */
export function ruleFile(objs: readonly RenderedObject[]): { groups: Array<{ name: string; rules: Obj[] }> } {
  const rules = ofKind(objs, 'PrometheusRule');
  if (rules.length !== 1) throw new Error(`expected 1 PrometheusRule, got ${rules.length}`);
  return rules[0]!.spec;
}

export function alertRules(objs: readonly RenderedObject[]): Rule[] {
  return ruleFile(objs).groups.flatMap((g) => g.rules.map((r) => ({ group: g.name, alert: r.alert, expr: r.expr, for: r.for, labels: r.labels ?? {}, annotations: r.annotations ?? {} })));
}
