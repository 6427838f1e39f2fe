/**
 * `helm template` of a chart for the chart tests: the pinned helm (.tools/bin/helm, run through the
 * CLI's runHelm, the one module that knows the pin and gives helm an empty home), the output parsed
 * the way `redis-gitops validate` parses it (@redis-gitops/manifests: YAML 1.1, like the API server).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseManifests, type RenderedObject } from '@redis-gitops/manifests';
import { runHelm, type HelmResult } from 'redis-gitops/io/helm.ts';

export type { HelmResult };

export interface RenderChartOptions {
  readonly release: string;
  /** `--namespace`; left out when undefined. */
  readonly namespace?: string;
  /** `--values` files. */
  readonly values?: readonly string[];
  /** `--set` arguments, e.g. ['cluster.slots={0-5000,5001-10000,10001-16383}']. */
  readonly set?: readonly string[];
  /** Any further `helm template` arguments, after values and set (e.g. ['-f', file, '--set-json', 'a=[]']). */
  readonly args?: readonly string[];
  /** The chart's name on parse findings. @default the chart dir's name */
  readonly chart?: string;
}

/** The `helm template` argument list renderChart and templateChart run. */
export function templateArgs(chartDir: string, o: RenderChartOptions): string[] {
  const args = ['template', o.release, chartDir];
  if (o.namespace !== undefined) args.push('--namespace', o.namespace);
  for (const f of o.values ?? []) args.push('--values', f);
  for (const s of o.set ?? []) args.push('--set', s);
  return [...args, ...(o.args ?? [])];
}

/** `helm template`, not parsed and never throwing on a failed render: for tests of what a render refuses. */
export function templateChart(chartDir: string, o: RenderChartOptions): Promise<HelmResult> {
  return runHelm(templateArgs(chartDir, o));
}

/** `helm template`, parsed into objects; throws with helm's stderr when the render fails, and on any parse problem. */
export async function renderChart(chartDir: string, o: RenderChartOptions): Promise<RenderedObject[]> {
  const args = templateArgs(chartDir, o);
  const r = await runHelm(args);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} failed (exit ${r.code}):\n${r.stderr}`);
  const { objects, problems } = parseManifests(r.stdout, { chart: o.chart ?? path.basename(chartDir) });
  if (problems.length > 0) throw new Error(`helm ${args.join(' ')} rendered YAML that does not parse: ${JSON.stringify(problems)}`);
  return objects;
}

/** The chart's ci/ scenarios: the names of its ci/*-values.yaml files, sorted. */
export function chartScenarios(chartDir: string): string[] {
  return readdirSync(path.join(chartDir, 'ci'))
    .filter((f) => f.endsWith('-values.yaml'))
    .sort();
}

/**
 * `helm lint --strict` with the default values (scenario undefined) and with each ci/ scenario; the
 * runs that failed, with helm's output (so a test expects []).
 */
export async function lintChart(chartDir: string, scenarios: readonly string[] = chartScenarios(chartDir)): Promise<Array<{ scenario: string | undefined; output: string }>> {
  const failed: Array<{ scenario: string | undefined; output: string }> = [];
  for (const scenario of [undefined, ...scenarios]) {
    const r = await runHelm(['lint', '--strict', chartDir, ...(scenario ? ['-f', path.join(chartDir, 'ci', scenario)] : [])]);
    if (r.code !== 0) failed.push({ scenario, output: r.stdout + r.stderr });
  }
  return failed;
}

/** The rendered objects of one kind (their parsed YAML), in render order. */
export function ofKind(objs: readonly RenderedObject[], kind: string): Record<string, any>[] {
  return objs.filter((o) => o.kind === kind).map((o) => o.object as Record<string, any>);
}

/** The one rendered object of `kind` (named `name`, when given); throws saying how many there were. */
export function onlyObject(objs: readonly RenderedObject[], kind: string, name?: string): Record<string, any> {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.name === name));
  if (found.length !== 1)
    throw new Error(`expected one ${kind}${name === undefined ? '' : ` named ${name}`} in the render, found ${found.length} (${objs.map((o) => `${o.kind}/${o.name}`).join(', ')})`);
  return found[0]!.object as Record<string, any>;
}
