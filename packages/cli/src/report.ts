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
  readonly totals: { environments: number; charts: number; objects: number; errors: number; warnings: number; ms: number };
}

export function buildReport(plans: readonly Plan[], drift: readonly Drift[], renders: readonly EnvironmentRender[], helm: string, ms: number): ValidateReport {
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
      findings: [...driftFindings, ...(render?.charts ?? []).flatMap((c) => c.findings)],
    };
  });
  const all = environments.flatMap((e) => e.findings);
  const errors = all.filter((f) => f.severity === 'error').length;
  return {
    ok: errors === 0,
    helm,
    environments,
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
    const charts = e.charts.map((c) => `${c.chart} ${c.version}: ${c.objects} objects ${(c.ms / 1000).toFixed(2)}s`).join(', ');
    lines.push(`  ${status}  ${e.name.padEnd(width)}  ${e.tier.padEnd(10)} ${`${e.cluster} (${e.arch})`.padEnd(22)} ${charts}`);
    for (const f of e.findings) {
      const mark = f.severity === 'error' ? paint('31', '✗') : paint('33', '!');
      lines.push(`        ${mark} ${formatFinding(f)}`);
      if (f.hint) lines.push(`          ${paint('2', `hint: ${f.hint}`)}`);
    }
  }
  const t = r.totals;
  lines.push(
    '',
    `${t.environments} environment(s), ${t.charts} chart render(s), ${t.objects} object(s) checked in ${(t.ms / 1000).toFixed(1)}s: ` +
      `${t.errors} error(s), ${t.warnings} warning(s). ${r.ok ? paint('32;1', 'OK') : paint('31;1', 'FAILED')}`,
  );
  return `${lines.join('\n')}\n`;
}
