/** `redis-gitops validate`: spec -> generate (check) -> helm render -> Kubernetes schemas -> report. */
import { defaultConcurrency, helmVersion } from '../io/helm.ts';
import { loadPolicySet } from '../io/policies.ts';
import { findRoot, loadWorkspace } from '../io/workspace.ts';
import type { Output } from '../output.ts';
import { checkPolicies, findDrift, findWorkspaceDrift, plan, renderPlans } from '../pipeline.ts';
import { buildReport, formatReportMarkdown, formatReportText } from '../report.ts';

export interface ValidateOptions {
  readonly envs: readonly string[];
  readonly json: boolean;
  readonly markdown: boolean;
  readonly concurrency: number | undefined;
}

export async function runValidate(opts: ValidateOptions, out: Output): Promise<number> {
  const started = performance.now();
  const root = findRoot();
  const ws = loadWorkspace(root, opts.envs);
  out.progress(`validate: ${ws.environments.length} environment(s) parsed`);
  const plans = plan(ws);
  const policies = loadPolicySet(root);
  const drift = [...findDrift(root, plans), ...findWorkspaceDrift(ws)];
  out.progress(`validate: generated in memory; ${drift.length} stale file(s) on disk`);
  const [helm, renders] = await Promise.all([
    helmVersion(),
    renderPlans(root, plans, {
      concurrency: opts.concurrency ?? defaultConcurrency(),
      check: true,
      onProgress: (done, total, env, chart, ms) => out.progress(`[${done}/${total}] rendered and checked ${env}/${chart} (${(ms / 1000).toFixed(2)}s)`),
    }),
  ]);
  const policyFindings = new Map(plans.map((p, i) => [p.env.resolved.name, checkPolicies(policies, p, renders[i]!)]));
  out.progress(`validate: ${policies.policies.length} policies evaluated`);
  const report = buildReport(plans, drift, renders, helm, performance.now() - started, policyFindings);
  out.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : opts.markdown ? formatReportMarkdown(report) : formatReportText(report, out.color));
  return report.ok ? 0 : 1;
}
