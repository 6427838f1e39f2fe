/**
 * The validate pipeline, one step per function: plan (generate in memory and check values against
 * each chart's schema), compare with the files on disk, render with helm, check rendered objects.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { argocdWorkspaceFiles, checkChartValues, generateEnvironment, GENERATED_DIR, type GeneratedEnvironment } from '@redis-gitops/generator';
import { checkObjects, parseManifests, type Finding, type RenderedObject } from '@redis-gitops/manifests';
import { checkManifestSet, evaluate, type PolicySet } from '@redis-gitops/policy';
import { checkTestedVersion, checkTierSafety, type ParsedEnvironment } from '@redis-gitops/spec';
import { byCodePoint, InputError, type Diagnostic } from '@redis-gitops/diagnostics';
import YAML from 'yaml';
import type { FileChange } from './io/atomic-write.ts';
import { listCharts, loadChart, type ChartInfo } from './io/charts.ts';
import { helmTemplate, pool, type TemplateRequest } from './io/helm.ts';
import type { Workspace } from './io/workspace.ts';

export interface Plan {
  readonly env: ParsedEnvironment;
  readonly generated: GeneratedEnvironment;
}

/** Versions of the charts in charts/, pinned into the generated Argo CD inputs. */
export function chartVersions(root: string): Record<string, string> {
  return Object.fromEntries(listCharts(root).map((c) => [c, loadChart(root, c).version]));
}

/** Generates every selected environment in memory. Throws InputError when a chart rejects generated values. */
export function plan(ws: Workspace): Plan[] {
  const problems: Diagnostic[] = [];
  const ctx = { chartVersions: chartVersions(ws.root) };
  const plans = ws.environments.map((env) => {
    const generated = generateEnvironment(env.resolved, ctx);
    for (const cv of generated.charts) {
      const chart = loadChart(ws.root, cv.chart);
      problems.push(...checkChartValues(cv, chart.schema, chart.defaults, env.source));
    }
    return { env, generated };
  });
  if (problems.length) throw new InputError(problems);
  return plans;
}

export interface Drift {
  readonly environment: string;
  /** Workspace-relative path. */
  readonly file: string;
  /** What generate would write; null when the file should not exist. */
  readonly expected: string | null;
  /** What is on disk; null when missing. */
  readonly actual: string | null;
}

function envDir(p: Plan): string {
  return path.dirname(p.env.file);
}

function filesUnder(root: string, rel: string): string[] {
  const abs = path.join(root, rel);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)).split(path.sep).join('/'));
}

/** Workspace-wide generated files (argocd/generated/): path -> content. Computed from every environment. */
export function workspaceFiles(ws: Workspace): Map<string, string> {
  return new Map(
    argocdWorkspaceFiles(
      ws.clusters,
      ws.all.map((e) => e.resolved),
    ).map((f) => [f.path, f.content]),
  );
}

/** Workspace-wide generated files (argocd/generated/), compared with disk. */
export function findWorkspaceDrift(ws: Workspace): Drift[] {
  const expected = workspaceFiles(ws);
  const drift: Drift[] = [];
  for (const rel of filesUnder(ws.root, 'argocd/generated')) {
    if (!expected.has(rel)) drift.push({ environment: '', file: rel, expected: null, actual: readFileSync(path.join(ws.root, rel), 'utf8') });
  }
  for (const [rel, content] of expected) {
    const abs = path.join(ws.root, rel);
    const actual = existsSync(abs) ? readFileSync(abs, 'utf8') : null;
    if (actual !== content) drift.push({ environment: '', file: rel, expected: content, actual });
  }
  return drift.sort((a, b) => byCodePoint(a.file, b.file));
}

/** Differences between what generate would write and what is on disk (stale files in generated/ included). */
export function findDrift(root: string, plans: readonly Plan[]): Drift[] {
  const drift: Drift[] = [];
  for (const p of plans) {
    const dir = envDir(p);
    const expected = new Map(p.generated.files.map((f) => [path.posix.join(dir, f.path), f.content]));
    const genAbs = path.join(root, dir, GENERATED_DIR);
    const onDisk = existsSync(genAbs) ? readdirSync(genAbs, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()) : [];
    for (const d of onDisk) {
      const rel = path.relative(root, path.join(d.parentPath, d.name)).split(path.sep).join('/');
      if (!expected.has(rel)) drift.push({ environment: p.env.resolved.name, file: rel, expected: null, actual: readFileSync(path.join(root, rel), 'utf8') });
    }
    for (const [rel, content] of expected) {
      const abs = path.join(root, rel);
      const actual = existsSync(abs) ? readFileSync(abs, 'utf8') : null;
      if (actual !== content) drift.push({ environment: p.env.resolved.name, file: rel, expected: content, actual });
    }
  }
  return drift.sort((a, b) => byCodePoint(a.file, b.file));
}

export function driftToChanges(root: string, drift: readonly Drift[]): FileChange[] {
  return drift.map((d) => ({ file: path.join(root, d.file), content: d.expected }));
}

export interface ChartRender {
  readonly chart: string;
  readonly chartVersion: string;
  readonly ms: number;
  readonly manifest: string;
  readonly objects: readonly RenderedObject[];
  readonly findings: readonly Finding[];
}

export interface EnvironmentRender {
  readonly environment: string;
  readonly charts: readonly ChartRender[];
}

export interface RenderOptions {
  readonly concurrency: number;
  /** Called after each chart render finishes. */
  readonly onProgress?: (done: number, total: number, env: string, chart: string, ms: number) => void;
  /** Also run the Kubernetes schema checks (validate); render alone skips them. */
  readonly check: boolean;
}

/** Renders every chart of every plan with helm (bounded concurrency) and checks the objects. */
/** One `helm template` that validating a plan makes: the plan, the chart it renders and the request. */
export interface TemplateJob {
  readonly p: Plan;
  readonly chart: ChartInfo;
  readonly request: TemplateRequest;
}

/** Every `helm template` request a validate of `plans` makes, in order (the benchmark's helm floor replays exactly these). */
export function templateJobs(root: string, plans: readonly Plan[]): TemplateJob[] {
  return plans.flatMap((p) =>
    p.generated.charts.map((cv) => {
      const chart = loadChart(root, cv.chart);
      return { p, chart, request: { release: cv.release, namespace: p.env.resolved.namespace, chartDir: chart.dir, values: YAML.stringify(cv.values) } };
    }),
  );
}

export async function renderPlans(root: string, plans: readonly Plan[], opts: RenderOptions): Promise<EnvironmentRender[]> {
  const jobs = templateJobs(root, plans);
  let done = 0;
  const results = await pool(
    opts.concurrency,
    jobs.map(({ p, chart, request }) => async (): Promise<{ env: string; render: ChartRender }> => {
      const env = p.env.resolved;
      const r = await helmTemplate(request);
      const origin = { environment: env.name, chart: chart.name };
      let objects: readonly RenderedObject[] = [];
      const findings: Finding[] = [];
      if (r.code !== 0) {
        findings.push({
          severity: 'error',
          code: 'helm-template-failed',
          message: `helm template failed: ${r.stderr.trim()}`,
          hint: `run \`npx redis-gitops render --env ${env.name}\` to see the full output`,
          ...origin,
        });
      } else {
        const parsed = parseManifests(r.stdout, origin);
        objects = parsed.objects;
        findings.push(...parsed.problems);
        if (opts.check) findings.push(...(await checkObjects(objects)).map((f) => ({ ...origin, ...f })));
      }
      done++;
      opts.onProgress?.(done, jobs.length, env.name, chart.name, r.ms);
      return { env: env.name, render: { chart: chart.name, chartVersion: chart.version, ms: r.ms, manifest: r.stdout, objects, findings } };
    }),
  );
  return plans.map((p) => ({
    environment: p.env.resolved.name,
    charts: results.filter((r) => r.env === p.env.resolved.name).map((r) => r.render),
  }));
}

/** The namespace labels the policy bindings select on; in clusters the namespace carries the same labels. */
export function namespaceLabels(p: Plan): Record<string, string> {
  const env = p.env.resolved;
  return { 'redis-gitops.dev/tier': env.tier, 'kubernetes.io/metadata.name': env.namespace };
}

/**
 * Runs the admission policies (as their bindings apply to this environment's tier) and the
 * manifest-set checks over all objects of one environment, every chart together.
 */
export function checkPolicies(set: PolicySet, p: Plan, render: EnvironmentRender): Finding[] {
  const env = p.env.resolved;
  const objects = render.charts.flatMap((c) => c.objects);
  const origin = { environment: env.name };
  return [
    ...tierFindings(p),
    ...evaluate(set, objects, { namespaceLabels: namespaceLabels(p), namespace: env.namespace }),
    ...checkManifestSet(objects, { tier: env.tier, namespace: env.namespace }),
  ].map((f) => ({
    ...origin,
    ...f,
  }));
}

/**
 * The spec's own rules, as findings that point at the spec field: the tier rules (production keeps
 * replicas, persistence and backups) and the engine's tested version line.
 */
export function tierFindings(p: Plan): Finding[] {
  return [...checkTierSafety(p.env).map((f) => ({ ...f, code: `tier-safety/${f.rule}` })), ...checkTestedVersion(p.env).map((f) => ({ ...f, code: `engine/${f.rule}` }))].map((f) => ({
    severity: f.severity,
    code: f.code,
    source: `${f.file}:${f.line}:${f.col}`,
    path: f.path,
    message: f.message,
    hint: f.hint,
  }));
}
