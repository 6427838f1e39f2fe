/** Renders charts/redis-monitoring with the real helm and picks the objects the tests look at. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifests, type RenderedObject } from '@redis-gitops/manifests';
import { runHelm } from 'redis-gitops/io/helm.ts';

export const CHART = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NAMESPACE = 'redis';
export const SCENARIOS = readdirSync(path.join(CHART, 'ci'))
  .filter((f) => f.endsWith('-values.yaml'))
  .sort();

export type Obj = Record<string, any>;

export const scenario = (f: string): string[] => ['-f', path.join(CHART, 'ci', f)];

/** `helm template rc <chart> --namespace redis <args>`, parsed; throws with helm's stderr on failure. */
export async function render(args: string[] = [], release = 'rc'): Promise<RenderedObject[]> {
  const r = await runHelm(['template', release, CHART, '--namespace', NAMESPACE, ...args]);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  const { objects, problems } = parseManifests(r.stdout, { chart: 'redis-monitoring' });
  if (problems.length) throw new Error(`unparsable render: ${JSON.stringify(problems)}`);
  return objects;
}

export const ofKind = (objs: readonly RenderedObject[], kind: string): Obj[] => objs.filter((o) => o.kind === kind).map((o) => o.object as Obj);

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
