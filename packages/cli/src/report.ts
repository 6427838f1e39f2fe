/** Builds the validate report and formats it as terminal text or JSON. Pure. */
import type { Finding } from '@redis-gitops/manifests';
import { formatFinding } from '@redis-gitops/manifests';
import type { Drift, EnvironmentRender, Plan } from './pipeline.ts';

export interface EnvironmentReport {
  readonly name: string;
  readonly tier: string;
  readonly cluster: string;
  readonly arch: string;
  readonly charts: readonly { chart: string; version: string; objects: number; ms: number }[];
  readonly findings: readonly Finding[];
}

export interface ValidateReport {
  readonly ok: boolean;
  readonly helm: string;
  readonly environments: readonly EnvironmentReport[];
  /** Problems that belong to no single environment (the generated Argo CD files under argocd/generated/). */
  readonly workspace: readonly Finding[];
  readonly totals: { environments: number; charts: number; objects: number; errors: number; warnings: number; ms: number };
}

export function buildReport(
  plans: readonly Plan[],
  drift: readonly Drift[],
  renders: readonly EnvironmentRender[],
  helm: string,
  ms: number,
  policyFindings: ReadonlyMap<string, readonly Finding[]> = new Map(),
): ValidateReport {
  const environments = plans.map((p): EnvironmentReport => {
    const env = p.env.resolved;
    const render = renders.find((r) => r.environment === env.name);
    const driftFindings: Finding[] = drift
      .filter((d) => d.environment === env.name)
      .map((d) => ({
        severity: 'error',
        code: 'generated-drift',
        environment: env.name,
        source: d.file,
        message: `${d.file} ${d.actual === null ? 'is missing' : d.expected === null ? 'should not exist' : 'is stale'}`,
        hint: `run \`npx redis-gitops generate --env ${env.name}\` and commit the result`,
      }));
    return {
      name: env.name,
      tier: env.tier,
      cluster: env.cluster.name,
      arch: env.cluster.arch,
      charts: (render?.charts ?? []).map((c) => ({ chart: c.chart, version: c.chartVersion, objects: c.objects.length, ms: Math.round(c.ms) })),
      findings: [...driftFindings, ...(render?.charts ?? []).flatMap((c) => c.findings), ...(policyFindings.get(env.name) ?? [])],
    };
  });
  const workspace: Finding[] = drift
    .filter((d) => d.environment === '')
    .map((d) => ({
      severity: 'error',
      code: 'generated-drift',
      source: d.file,
      message: `${d.file} ${d.actual === null ? 'is missing' : d.expected === null ? 'should not exist' : 'is stale'}`,
      hint: 'run `npx redis-gitops generate` and commit the result',
    }));
  const all = [...environments.flatMap((e) => e.findings), ...workspace];
  const errors = all.filter((f) => f.severity === 'error').length;
  return {
    ok: errors === 0,
    helm,
    environments,
    workspace,
    totals: {
      environments: environments.length,
      charts: environments.reduce((n, e) => n + e.charts.length, 0),
      objects: environments.reduce((n, e) => n + e.charts.reduce((m, c) => m + c.objects, 0), 0),
      errors,
      warnings: all.length - errors,
      ms: Math.round(ms),
    },
  };
}

export function formatReportText(r: ValidateReport, color: boolean): string {
  const paint = (code: string, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const width = Math.max(4, ...r.environments.map((e) => e.name.length));
  const lines: string[] = [`redis-gitops validate · ${r.totals.environments} environment(s) · helm ${r.helm}`, ''];
  for (const e of r.environments) {
    const errs = e.findings.filter((f) => f.severity === 'error').length;
    const status = errs ? paint('31;1', 'FAIL') : paint('32;1', 'PASS');
    lines.push(`  ${status}  ${e.name.padEnd(width)}  ${e.tier.padEnd(10)}  ${e.cluster} (${e.arch})`);
    const chartWidth = Math.max(0, ...e.charts.map((c) => `${c.chart} ${c.version}`.length));
    for (const c of e.charts) {
      lines.push(`        ${`${c.chart} ${c.version}`.padEnd(chartWidth)}  ${String(c.objects).padStart(3)} objects  ${(c.ms / 1000).toFixed(2)}s`);
    }
    for (const f of e.findings) {
      const mark = f.severity === 'error' ? paint('31', '✗') : paint('33', '!');
      // The environment is the heading already; the hint stays on the finding's line.
      lines.push(`        ${mark} ${formatFinding({ ...f, environment: undefined })}`);
    }
  }
  if (r.workspace.length) {
    lines.push(`  ${paint('31;1', 'FAIL')}  workspace (argocd/generated)`);
    for (const f of r.workspace) lines.push(`        ${paint('31', '✗')} ${formatFinding(f)}`);
  }
  const t = r.totals;
  lines.push(
    '',
    `${t.environments} environment(s), ${t.charts} chart render(s), ${t.objects} object(s) checked in ${(t.ms / 1000).toFixed(1)}s: ` +
      `${t.errors} error(s), ${t.warnings} warning(s). ${r.ok ? paint('32;1', 'OK') : paint('31;1', 'FAILED')}`,
  );
  return `${lines.join('\n')}\n`;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The report as Markdown for a pull-request comment: a summary table, then every finding. */
export function formatReportMarkdown(r: ValidateReport): string {
  const t = r.totals;
  const lines = [
    `### redis-gitops validate: ${r.ok ? '✅ passed' : '❌ failed'}`,
    '',
    `${t.environments} environment(s), ${t.objects} object(s), ${t.errors} error(s), ${t.warnings} warning(s) · helm ${r.helm}`,
    '',
    '| environment | tier | cluster | charts | errors | warnings |',
    '|---|---|---|---|---|---|',
    ...r.environments.map((e) => {
      const errs = e.findings.filter((f) => f.severity === 'error').length;
      return `| ${errs ? '❌' : '✅'} \`${e.name}\` | ${e.tier} | ${e.cluster} (${e.arch}) | ${e.charts.map((c) => `${c.chart} ${c.version}`).join(', ')} | ${errs} | ${e.findings.length - errs} |`;
    }),
  ];
  const findings = [...r.workspace.map((f) => ({ env: 'workspace', f })), ...r.environments.flatMap((e) => e.findings.map((f) => ({ env: e.name, f })))];
  if (findings.length) {
    lines.push('', '| | environment | object | rule | message | fix |', '|---|---|---|---|---|---|');
    for (const { env, f } of findings) {
      const obj = f.kind ? `${f.kind} ${f.namespace ? `${f.namespace}/` : ''}${f.name ?? ''}` : (f.source ?? '');
      const rule = (f as { policy?: string }).policy ?? f.code;
      lines.push(`| ${f.severity === 'error' ? '❌' : '⚠️'} | \`${env}\` | ${cell(obj)} | \`${rule}\` | ${cell(f.message)} | ${cell(f.hint ?? '')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
