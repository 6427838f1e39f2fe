/** `redis-gitops validate`: spec -> generate (check) -> helm render -> Kubernetes schemas -> report. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { boundPolicies, MANIFEST_SET_CHECKS } from '@redis-gitops/policy';
import { diffManifests } from '@redis-gitops/manifests';
import { renderAtRef } from '../io/base-render.ts';
import { compareWithRepository } from '../io/chart-packages.ts';
import { defaultConcurrency, helmVersion } from '../io/helm.ts';
import { loadPolicySet } from '../io/policies.ts';
import { findRoot, loadWorkspace } from '../io/workspace.ts';
import type { Output } from '../output.ts';
import { checkPolicies, findDrift, findWorkspaceDrift, namespaceLabels, plan, renderPlans } from '../pipeline.ts';
import { buildReport, formatReportMarkdown, formatReportText, type ChartVersionCheck, type EnvironmentChanges } from '../report.ts';

export interface ValidateOptions {
  readonly envs: readonly string[];
  readonly json: boolean;
  readonly markdown: boolean;
  /** The published chart repository folder (relative to the workspace root, or absolute). */
  readonly published: string;
  /** A git ref: also compare each environment's objects with that ref (diff summary, refused updates). */
  readonly base?: string;
  readonly concurrency: number | undefined;
}

export async function runValidate(opts: ValidateOptions, out: Output): Promise<number> {
  const started = performance.now();
  const root = findRoot();
  const ws = loadWorkspace(root, opts.envs);
  out.progress(`validate: ${ws.environments.length} environment(s) parsed`);
  const plans = plan(ws);
  // helm starts first: the policies are compiled and the drift is computed while it renders.
  const rendering = Promise.all([
    helmVersion(),
    renderPlans(root, plans, {
      concurrency: opts.concurrency ?? defaultConcurrency(),
      check: true,
      onProgress: (done, total, env, chart, ms) => out.progress(`[${done}/${total}] rendered and checked ${env}/${chart} (${(ms / 1000).toFixed(2)}s)`),
    }),
  ]);
  // Settled either way before anything else throws, so a failed render is never an unhandled rejection.
  rendering.catch(() => undefined);
  const policies = loadPolicySet(root);
  const drift = [...findDrift(root, plans), ...findWorkspaceDrift(ws)];
  out.progress(`validate: generated in memory; ${drift.length} stale file(s) on disk`);
  const [helm, renders] = await rendering;
  const policyFindings = new Map(plans.map((p, i) => [p.env.resolved.name, checkPolicies(policies, p, renders[i]!)]));
  out.progress(`validate: ${policies.policies.length} policies evaluated`);
  const chartVersions = await checkChartVersions(root, [...new Set(plans.flatMap((p) => p.generated.charts.map((c) => c.chart)))].sort(), opts.published);
  out.progress(`validate: chart versions ${chartVersions.checked ? `compared with ${chartVersions.repository}` : 'not checked'}`);
  const changes = new Map<string, EnvironmentChanges>();
  if (opts.base) {
    for (const [i, p] of plans.entries()) {
      const name = p.env.resolved.name;
      const before = await renderAtRef(root, name, opts.base);
      changes.set(name, {
        base: opts.base,
        existed: before.existed,
        changes: diffManifests(
          before.objects,
          renders[i]!.charts.flatMap((c) => c.objects),
          p.env.resolved.namespace,
        ),
      });
    }
    out.progress(`validate: compared with ${opts.base}`);
  }
  const checks = {
    policies: new Map(plans.map((p) => [p.env.resolved.name, boundPolicies(policies, namespaceLabels(p))])),
    manifestSet: MANIFEST_SET_CHECKS.map((c) => ({ name: c.name, what: c.what })),
    chartVersions,
    changes,
  };
  const report = buildReport(plans, drift, renders, helm, performance.now() - started, policyFindings, checks);
  out.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : opts.markdown ? formatReportMarkdown(report) : formatReportText(report, out.color));
  return report.ok ? 0 : 1;
}

/** Each chart in use against its published package (see io/chart-packages.ts); not checked when there is no repository folder. */
async function checkChartVersions(root: string, charts: readonly string[], published: string): Promise<ChartVersionCheck> {
  const repository = path.resolve(root, published);
  const shown = path.relative(root, repository).startsWith('..') ? repository : path.relative(root, repository);
  if (!existsSync(path.join(repository, 'index.yaml'))) {
    return {
      checked: false,
      repository: shown,
      why: `no published chart repository at ${shown} (no index.yaml): check out the published repository there (CI: the gh-pages branch) or pass --published DIR`,
      charts: [],
    };
  }
  const packages = await compareWithRepository(root, charts, repository);
  return { checked: true, repository: shown, charts: packages.map((p) => ({ chart: p.chart, version: p.version, status: p.status })) };
}
