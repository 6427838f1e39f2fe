/**
 * The scheduling rules a schema cannot express, for `spec.scheduling` of an environment and
 * `clusters[i].scheduling` of clusters.yaml alike: what the API server would refuse in a pod spec
 * (a toleration with `Exists` and a value, `tolerationSeconds` on a taint effect other than
 * `NoExecute`, an empty key without `Exists`), and the one label the tool owns
 * (`kubernetes.io/arch`, set from the cluster's arch).
 */
import type { Scheduling } from './types.ts';
import type { PathSegment } from './yaml-source.ts';

export interface SchedulingProblem {
  /** Below the scheduling block. */
  readonly path: readonly PathSegment[];
  readonly message: string;
  readonly hint: string;
}

export const ARCH_LABEL = 'kubernetes.io/arch';

/** A label or annotation key as Kubernetes accepts it: `[prefix/]name`, the prefix a DNS subdomain of at most 253, the name at most 63 characters. */
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  return NAME.test(name) && (prefix === undefined || (prefix.length <= 253 && PREFIX.test(prefix)));
}

/** A label value: empty, or at most 63 characters of letters, digits, `-`, `_` and `.`, starting and ending alphanumeric. */
export function isLabelValue(value: string): boolean {
  return value === '' || NAME.test(value);
}

export function checkScheduling(s: Scheduling | undefined): SchedulingProblem[] {
  const out: SchedulingProblem[] = [];
  if (!s) return out;
  for (const [field, what] of [
    ['nodeSelector', 'a node label key'],
    ['podAnnotations', 'an annotation key'],
  ] as const) {
    for (const [key, value] of Object.entries(s[field] ?? {})) {
      if (!isLabelKey(key)) {
        out.push({
          path: [field, key],
          message: `"${key}" is not ${what}`,
          hint: 'use [prefix/]name: a DNS subdomain prefix, then up to 63 letters, digits, "-", "_" or ".", e.g. "node-role.example.com/redis"',
        });
      } else if (field === 'nodeSelector' && !isLabelValue(value)) {
        out.push({
          path: [field, key],
          message: `"${value}" is not a label value`,
          hint: 'up to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit (quote it if YAML reads it as a number)',
        });
      }
    }
  }
  if (s.nodeSelector && ARCH_LABEL in s.nodeSelector) {
    out.push({
      path: ['nodeSelector', ARCH_LABEL],
      message: `cannot be set here: the pods' ${ARCH_LABEL} comes from the cluster's arch`,
      hint: 'remove it; pick a cluster of the right arch in spec.cluster (arch is set per cluster in environments/clusters.yaml)',
    });
  }
  (s.tolerations ?? []).forEach((t, i) => {
    const operator = t.operator ?? 'Equal';
    if (operator === 'Exists' && t.value !== undefined && t.value !== '') {
      out.push({ path: ['tolerations', i, 'value'], message: 'must be empty with operator: Exists (Exists matches any value)', hint: 'remove value, or use operator: Equal to match this value only' });
    }
    if ((t.key === undefined || t.key === '') && operator !== 'Exists') {
      out.push({
        path: ['tolerations', i],
        message: 'has no key, which needs operator: Exists (it then tolerates every taint)',
        hint: 'set the taint key, or operator: Exists to tolerate all taints',
      });
    }
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      out.push({
        path: ['tolerations', i, 'tolerationSeconds'],
        message: `only applies to effect: NoExecute (got ${t.effect === undefined ? 'no effect' : `effect: ${t.effect}`})`,
        hint: 'set effect: NoExecute, or remove tolerationSeconds',
      });
    }
  });
  return out;
}
