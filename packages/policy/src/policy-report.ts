/**
 * Pure formatters for policy results and manifest-set findings: text lines for a terminal, and
 * Markdown (a summary and one table) for a pull-request comment. Errors (Deny) come first, then
 * warnings; within a severity, by policy or rule, then object.
 */
import { formatFinding, type Finding } from '@redis-gitops/manifests';
import type { PolicyResult } from './policy-result.ts';

/** A policy result, or any other Finding (e.g. a manifest-set finding, whose rule is its code). */
export type ReportEntry = PolicyResult | Finding;

export type ReportFormat = 'text' | 'markdown';

const isPolicyResult = (e: ReportEntry): e is PolicyResult => 'policy' in e && typeof (e as PolicyResult).policy === 'string';

/** `resource-limits validations[2]` for a policy result, the rule (code) for anything else. */
export function ruleOf(e: ReportEntry): string {
  if (!isPolicyResult(e)) return e.code;
  if (e.validationIndex !== undefined) return `${e.policy} validations[${e.validationIndex}]`;
  if (e.matchCondition !== undefined) return `${e.policy} matchConditions[${e.matchCondition}]`;
  return e.policy;
}

function actionOf(e: ReportEntry): string {
  return isPolicyResult(e) ? e.actions.join('+') : e.severity === 'error' ? 'Fail' : 'Warn';
}

function objectOf(e: ReportEntry): string {
  return e.kind ? `${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name ?? '(unnamed)'}` : '';
}

/** Stable order: errors first, then by environment, rule, object and message. */
export function sortReport<T extends ReportEntry>(entries: readonly T[]): T[] {
  const sev = (e: ReportEntry): number => (e.severity === 'error' ? 0 : 1);
  return [...entries].sort(
    (a, b) =>
      sev(a) - sev(b) || (a.environment ?? '').localeCompare(b.environment ?? '') || ruleOf(a).localeCompare(ruleOf(b)) || objectOf(a).localeCompare(objectOf(b)) || a.message.localeCompare(b.message),
  );
}

/** One line: `ERROR [Deny] resource-limits validations[2] · [prod] StatefulSet ns/x (template): message — hint`. */
export function formatReportLine(e: ReportEntry): string {
  const where = isPolicyResult(e) ? ` via ${e.binding}` : '';
  return `${e.severity === 'error' ? 'ERROR' : 'WARN '} [${actionOf(e)}] ${ruleOf(e)}${where} · ${formatFinding(e)}`;
}

function summary(entries: readonly ReportEntry[]): { errors: number; warnings: number; objects: number } {
  const objects = new Set(entries.map((e) => `${e.environment ?? ''}|${objectOf(e)}`));
  return { errors: entries.filter((e) => e.severity === 'error').length, warnings: entries.filter((e) => e.severity === 'warning').length, objects: objects.size };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Markdown table cell: no line breaks, pipes escaped. */
const cell = (s: string): string => s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');

function renderMarkdown(entries: readonly ReportEntry[]): string {
  const s = summary(entries);
  const lines = ['### Policy report', ''];
  if (entries.length === 0) {
    lines.push('✅ No policy violations.');
    return `${lines.join('\n')}\n`;
  }
  lines.push(`${s.errors > 0 ? '❌' : '⚠️'} ${plural(s.errors, 'error')} (denied), ${plural(s.warnings, 'warning')} in ${plural(s.objects, 'object')}.`, '');
  lines.push('| | Rule | Object | Message | How to fix |', '|---|---|---|---|---|');
  for (const e of sortReport(entries)) {
    const icon = e.severity === 'error' ? '❌' : '⚠️';
    const object = [objectOf(e) ? `\`${objectOf(e)}\`` : '', e.environment ? `(${e.environment})` : '', e.source ? `<br>${e.source}` : ''].filter(Boolean).join(' ');
    lines.push(`| ${icon} ${actionOf(e)} | \`${cell(ruleOf(e))}\` | ${cell(object)} | ${cell(e.message)} | ${cell(e.hint ?? '')} |`);
  }
  return `${lines.join('\n')}\n`;
}

function renderText(entries: readonly ReportEntry[]): string {
  if (entries.length === 0) return 'policy report: no violations\n';
  const s = summary(entries);
  const lines = sortReport(entries).map(formatReportLine);
  lines.push(`policy report: ${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')} in ${plural(s.objects, 'object')}`);
  return `${lines.join('\n')}\n`;
}

/** The whole report as text lines (terminal) or Markdown (pull-request comment). */
export function renderPolicyReport(entries: readonly ReportEntry[], format: ReportFormat = 'text'): string {
  return format === 'markdown' ? renderMarkdown(entries) : renderText(entries);
}
