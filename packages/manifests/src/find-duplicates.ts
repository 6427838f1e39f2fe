import { whereOf } from './where-of.ts';
import type { Finding } from './finding.ts';
import type { RenderedObject } from './rendered-object.ts';

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (core). Versions of one group name the same object. */
const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

/**
 * Objects rendered twice under the same group, kind, namespace and name: the later one would silently
 * replace the earlier at apply time. An absent namespace counts as its own value (the release namespace).
 */
export function findDuplicates(objects: readonly RenderedObject[]): Finding[] {
  const first = new Map<string, RenderedObject>();
  const findings: Finding[] = [];
  for (const o of objects) {
    const id = [groupOf(o.apiVersion), o.kind, o.namespace ?? '', o.name].join('\u0000');
    const earlier = first.get(id);
    if (!earlier) {
      first.set(id, o);
      continue;
    }
    findings.push({
      severity: 'error',
      code: 'duplicate-object',
      message: `rendered twice: also at line ${earlier.line}${earlier.source ? ` (${earlier.source})` : ''}`,
      hint: 'give each object a unique name, or render it from one template only',
      ...whereOf(o),
    });
  }
  return findings;
}
