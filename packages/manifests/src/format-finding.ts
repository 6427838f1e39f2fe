import type { Finding } from './finding.ts';

/**
 * One line of text, e.g.
 * `StatefulSet redis/prod-redis-cluster (redis-cluster/templates/redis/statefulset.yaml) spec.template.spec.containers[0].resource: unknown field — did you mean "resources"?`.
 * Problems without an object (YAML syntax errors) name the rendered line instead: `line 12 (chart/templates/x.yaml): ...`.
 * The environment, when known, leads in brackets: `[prod-x86] StatefulSet ...`.
 */
export function formatFinding(f: Finding): string {
  const parts: string[] = [];
  if (f.environment) parts.push(`[${f.environment}]`);
  if (f.kind) parts.push(`${f.kind} ${f.namespace ? `${f.namespace}/` : ''}${f.name ?? '(unnamed)'}`);
  else if (f.line !== undefined) parts.push(`line ${f.line}`);
  if (f.source) parts.push(`(${f.source})`);
  else if (f.chart) parts.push(`(${f.chart})`);
  if (f.path) parts.push(f.path);
  const subject = parts.join(' ');
  const hint = f.hint ? ` — ${f.hint}` : '';
  return `${subject ? `${subject}: ` : ''}${f.message}${hint}`;
}
