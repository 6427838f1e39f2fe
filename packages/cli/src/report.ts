/** Builds the validate report and formats it as terminal text or JSON. Pure. */
import type { Finding, ObjectChange } from '@redis-gitops/manifests';
import { formatFinding, summarizeChanges } from '@redis-gitops/manifests';
import { strongestAction, type BoundPolicy, type ValidationAction } from '@redis-gitops/policy';
import { TIER_RULES } from '@redis-gitops/spec';
import type { Drift, EnvironmentRender, Plan } from './pipeline.ts';

/** Each chart in use against the package of its version in the published chart repository. */
export interface ChartVersionCheck {
  /** False when there was no repository folder to compare with (`why` says so). */
  readonly checked: boolean;
  readonly repository: string;
  readonly why?: string;
  readonly charts: readonly { chart: string; version: string; status: 'new' | 'published' | 'changed' }[];
}

/** What validate ran besides rendering, so that a report of 0 errors says what those 0 errors cover. */
export interface ValidateChecks {
  /** Per environment: the admission policies bound for its namespace (tier), with their bindings' actions. */
  readonly policies: ReadonlyMap<string, readonly BoundPolicy[]>;
  readonly manifestSet: readonly { name: string; what: string }[];
  readonly chartVersions: ChartVersionCheck;
  /** Per environment, when validate ran with --base. */
  readonly changes?: ReadonlyMap<string, EnvironmentChanges>;
}

/** What the change does to one environment's objects, against a git ref (validate --base). */
export interface EnvironmentChanges {
  readonly base: string;
  /** False when the environment is new at the ref. */
  readonly existed: boolean;
  readonly changes: readonly ObjectChange[];
}

/** What was checked for one environment. */
export interface EnvironmentChecks {
  /** Objects checked against the Kubernetes and CRD schemas (unknown fields included). */
  readonly schemaObjects: number;
  /** The policies bound for the environment's tier and the strongest action of each. */
  readonly policies: readonly { policy: string; action: ValidationAction }[];
  /** The manifest-set checks run over all its objects together. */
  readonly manifestSet: readonly string[];
}

export interface EnvironmentReport {
  readonly name: string;
  readonly tier: string;
  readonly cluster: string;
  readonly arch: string;
  readonly charts: readonly { chart: string; version: string; objects: number; ms: number }[];
  readonly findings: readonly Finding[];
  readonly checked: EnvironmentChecks;
  /** Objects added, changed and removed against the --base ref (absent without --base). */
  readonly diff?: { base: string; added: number; changed: number; removed: number; objects: readonly { change: string; id: string; fields: readonly string[] }[] };
}

export interface ValidateReport {
  readonly ok: boolean;
  readonly helm: string;
  readonly environments: readonly EnvironmentReport[];
  /** Problems that belong to no single environment (the generated Argo CD files under argocd/generated/, chart versions). */
  readonly workspace: readonly Finding[];
  /** The charts compared with the published chart repository. */
  readonly chartVersions: ChartVersionCheck;
  readonly totals: { environments: number; charts: number; objects: number; errors: number; warnings: number; ms: number };
}

export function buildReport(
  plans: readonly Plan[],
  drift: readonly Drift[],
  renders: readonly EnvironmentRender[],
  helm: string,
  ms: number,
  policyFindings: ReadonlyMap<string, readonly Finding[]> = new Map(),
  checks: ValidateChecks = { policies: new Map(), manifestSet: [], chartVersions: { checked: false, repository: '', why: 'not requested', charts: [] } },
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
      findings: [...driftFindings, ...(render?.charts ?? []).flatMap((c) => c.findings), ...(policyFindings.get(env.name) ?? []), ...refusedFindings(env.name, checks.changes?.get(env.name))],
      checked: {
        schemaObjects: (render?.charts ?? []).reduce((n, c) => n + c.objects.length, 0),
        policies: (checks.policies.get(env.name) ?? []).map((b) => ({ policy: b.policy, action: strongestAction(b) })),
        manifestSet: checks.manifestSet.map((c) => c.name),
      },
      ...diffOf(checks.changes?.get(env.name)),
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
  for (const c of checks.chartVersions.charts.filter((x) => x.status === 'changed')) {
    workspace.push({
      severity: 'error',
      code: 'chart-version-not-bumped',
      source: `charts/${c.chart}/Chart.yaml`,
      message: `chart ${c.chart} changed, but version ${c.version} is already published (${checks.chartVersions.repository}/${c.chart}-${c.version}.tgz) with other content: Argo CD installs the published ${c.version}, so this change would never reach a cluster`,
      hint: `bump version in charts/${c.chart}/Chart.yaml (e.g. ${nextPatch(c.version)}) and run \`npx redis-gitops generate\``,
    });
  }
  const all = [...environments.flatMap((e) => e.findings), ...workspace];
  const errors = all.filter((f) => f.severity === 'error').length;
  return {
    ok: errors === 0,
    helm,
    environments,
    workspace,
    chartVersions: checks.chartVersions,
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

/** Updates Kubernetes refuses, as warnings: Argo CD's sync would fail on them until the procedure is followed. */
function refusedFindings(environment: string, c: EnvironmentChanges | undefined): Finding[] {
  return (c?.changes ?? []).flatMap((ch) =>
    ch.refused.map((r) => ({
      severity: 'warning' as const,
      code: 'refused-update',
      environment,
      kind: ch.kind,
      name: ch.name,
      ...(ch.namespace ? { namespace: ch.namespace } : {}),
      path: r.field,
      message: `changed since ${c!.base}, but ${r.why}: Argo CD's sync will fail on it`,
      hint: `do instead: ${r.procedure}`,
    })),
  );
}

function diffOf(c: EnvironmentChanges | undefined): { diff?: EnvironmentReport['diff'] } {
  if (!c) return {};
  const s = summarizeChanges(c.changes);
  return { diff: { base: c.base, added: s.added, changed: s.changed, removed: s.removed, objects: c.changes.map((x) => ({ change: x.change, id: x.id, fields: x.fields })) } };
}

/** 0.1.0 -> 0.1.1 (a hint only; any higher version will do). */
function nextPatch(version: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  return m ? `${m[1]}.${m[2]}.${Number(m[3]) + 1}` : 'a higher version';
}

/** "9 policies (7 Deny, 2 Warn)" */
function policySummary(policies: EnvironmentChecks['policies']): string {
  const by = (a: ValidationAction) => policies.filter((p) => p.action === a).length;
  const parts = (['Deny', 'Warn', 'Audit'] as const).filter((a) => by(a) > 0).map((a) => `${by(a)} ${a}`);
  return `${policies.length} ${policies.length === 1 ? 'policy' : 'policies'}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** The "what was checked" lines, shared by the text and Markdown reports. */
export function checkedLines(r: ValidateReport): string[] {
  const lines: string[] = [];
  const objects = r.environments.reduce((n, e) => n + e.checked.schemaObjects, 0);
  lines.push(`schemas: ${objects} rendered object(s) against the Kubernetes and CRD schemas, unknown fields included`);
  const byTier = new Map<string, EnvironmentChecks['policies']>();
  for (const e of r.environments) byTier.set(e.tier, e.checked.policies);
  for (const [tier, policies] of [...byTier].sort(([a], [b]) => a.localeCompare(b, 'en'))) {
    lines.push(`policies for ${tier}: ${policySummary(policies)}${policies.length ? `: ${policies.map((p) => `${p.policy} (${p.action})`).join(', ')}` : ''}`);
  }
  lines.push(`tier safety of the spec: ${TIER_RULES.join(', ')} (errors in production, warnings in staging)`);
  const sets = [...new Set(r.environments.flatMap((e) => e.checked.manifestSet))];
  lines.push(`manifest-set checks: ${sets.length}${sets.length ? `: ${sets.join(', ')}` : ''}`);
  const cv = r.chartVersions;
  lines.push(
    cv.checked
      ? `chart versions: ${cv.charts.length} chart(s) compared with ${cv.repository}: ${cv.charts.map((c) => `${c.chart} ${c.version} ${c.status === 'new' ? 'new' : c.status === 'published' ? 'as published' : 'CHANGED WITHOUT A VERSION BUMP'}`).join(', ')}`
      : `chart versions: NOT checked: ${cv.why ?? 'no published repository'}`,
  );
  return lines;
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
    lines.push(`        checked: ${e.checked.schemaObjects} objects against schemas · ${policySummary(e.checked.policies)} · ${e.checked.manifestSet.length} manifest-set checks`);
    if (e.diff) {
      lines.push(`        against ${e.diff.base}: ${e.diff.added} added, ${e.diff.changed} changed, ${e.diff.removed} removed`);
      for (const o of e.diff.objects) lines.push(`          ${o.change.padEnd(7)}  ${o.id}${o.fields.length ? `: ${o.fields.join(', ')}` : ''}`);
    }
    for (const f of e.findings) {
      const mark = f.severity === 'error' ? paint('31', '✗') : paint('33', '!');
      // The environment is the heading already; the hint stays on the finding's line.
      lines.push(`        ${mark} ${formatFinding({ ...f, environment: undefined })}`);
    }
  }
  if (r.workspace.length) {
    lines.push(`  ${paint('31;1', 'FAIL')}  workspace (argocd/generated, chart versions)`);
    for (const f of r.workspace) lines.push(`        ${paint('31', '✗')} ${formatFinding(f)}`);
  }
  const t = r.totals;
  lines.push('', 'Checked:', ...checkedLines(r).map((l) => `  ${l}`));
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

/**
 * The report as Markdown for a pull-request comment: the verdict first, then one row per
 * environment with what the change does to its objects (with --base), then the updates Kubernetes
 * would refuse; findings and what was checked fold under it.
 */
export function formatReportMarkdown(r: ValidateReport): string {
  const t = r.totals;
  const withDiff = r.environments.some((e) => e.diff);
  const refused = r.environments.flatMap((e) => e.findings.filter((f) => f.code === 'refused-update').map((f) => ({ env: e.name, f })));
  const lines = [
    `### ${r.ok ? '✅' : '❌'} redis-gitops validate ${r.ok ? 'passed' : `failed: ${t.errors} error(s)`}${t.warnings ? `, ${t.warnings} warning(s)` : ''}${refused.length ? ` · ⚠️ ${refused.length} update(s) Kubernetes will refuse` : ''}`,
    '',
    `| environment | tier | cluster | ${withDiff ? 'objects added / changed / removed | ' : ''}errors | warnings |`,
    `|---|---|---|${withDiff ? '---|' : ''}---|---|`,
    ...r.environments.map((e) => {
      const errs = e.findings.filter((f) => f.severity === 'error').length;
      const d = e.diff ? `${e.diff.added} / ${e.diff.changed} / ${e.diff.removed} | ` : withDiff ? '– | ' : '';
      return `| ${errs ? '❌' : '✅'} \`${e.name}\` | ${e.tier} | ${e.cluster} (${e.arch}) | ${d}${errs} | ${e.findings.length - errs} |`;
    }),
  ];
  if (refused.length) {
    lines.push('', '**Updates Kubernetes will refuse** (Argo CD cannot sync them as they are):', '');
    for (const { env, f } of refused) lines.push(`- \`${env}\` ${f.kind} ${f.namespace ? `${f.namespace}/` : ''}${f.name} \`${f.path}\`: ${cell(f.hint ?? '')}`);
  }
  const changed = r.environments.filter((e) => e.diff?.objects.length);
  if (changed.length) {
    lines.push('', '<details><summary>Objects changed</summary>', '');
    for (const e of changed) for (const o of e.diff!.objects) lines.push(`- \`${e.name}\` ${o.change} ${o.id}${o.fields.length ? `: ${o.fields.map((x) => `\`${x}\``).join(', ')}` : ''}`);
    lines.push('', '</details>');
  }
  const findings = [...r.workspace.map((f) => ({ env: 'workspace', f })), ...r.environments.flatMap((e) => e.findings.map((f) => ({ env: e.name, f })))];
  if (findings.length) {
    lines.push('', `<details${r.ok ? '' : ' open'}><summary>Findings (${findings.length})</summary>`, '', '| | environment | object | rule | message | fix |', '|---|---|---|---|---|---|');
    for (const { env, f } of findings) {
      const obj = f.kind ? `${f.kind} ${f.namespace ? `${f.namespace}/` : ''}${f.name ?? ''}` : (f.source ?? '');
      const rule = (f as { policy?: string }).policy ?? f.code;
      lines.push(`| ${f.severity === 'error' ? '❌' : '⚠️'} | \`${env}\` | ${cell(obj)} | \`${rule}\` | ${cell(f.message)} | ${cell(f.hint ?? '')} |`);
    }
    lines.push('', '</details>');
  }
  lines.push('', '<details><summary>What was checked</summary>', '', ...checkedLines(r).map((l) => `- ${cell(l)}`), '', `helm ${r.helm}`, '', '</details>');
  return `${lines.join('\n')}\n`;
}
