/** Reading pod templates, labels and selectors out of one environment's rendered objects. */
import type { Finding, RenderedObject } from '@redis-gitops/manifests';
import type { LabelSelector } from '../label-selector.ts';

export type Tier = 'dev' | 'staging' | 'production';

export interface ManifestSetContext {
  /** The environment's tier: production and staging report errors, dev warnings. */
  readonly tier: Tier;
  /** Namespace of objects rendered without metadata.namespace (helm's release namespace). */
  readonly namespace?: string;
}

/** Rules of the manifest-set checks, also the `code` of their findings. */
export type ManifestSetRule = 'netpol-coverage' | 'default-deny-ingress' | 'backup-cronjob' | 'pdb-drain' | 'maxmemory-headroom';

export interface ManifestSetFinding extends Finding {
  readonly code: ManifestSetRule;
}

export const PART_OF = 'app.kubernetes.io/part-of';
export const COMPONENT = 'app.kubernetes.io/component';
export const BACKUP_ANNOTATION = 'redis-gitops.dev/backup-cronjob';

export type Json = Record<string, unknown>;
export const isRecord = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
export const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function stringMap(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** Walks `path` through nested mappings; undefined as soon as a step is missing. */
export function at(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const key of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

export function namespaceOf(obj: RenderedObject, ctx: ManifestSetContext): string {
  return obj.namespace ?? ctx.namespace ?? '';
}

export function labelsOf(obj: RenderedObject): Record<string, string> {
  return stringMap(at(obj.object, 'metadata', 'labels'));
}

const TEMPLATE_KINDS = new Set(['StatefulSet', 'Deployment', 'DaemonSet', 'ReplicaSet', 'Job']);

/** The pod template of a workload (CronJobs: spec.jobTemplate.spec.template), or undefined for other kinds. */
export function podTemplateOf(obj: RenderedObject): Json | undefined {
  const t = obj.kind === 'CronJob' ? at(obj.object, 'spec', 'jobTemplate', 'spec', 'template') : TEMPLATE_KINDS.has(obj.kind) ? at(obj.object, 'spec', 'template') : undefined;
  return isRecord(t) ? t : undefined;
}

export function podLabelsOf(obj: RenderedObject): Record<string, string> {
  return stringMap(at(podTemplateOf(obj), 'metadata', 'labels'));
}

export function containersOf(template: Json | undefined): Json[] {
  return asList(at(template, 'spec', 'containers')).filter(isRecord);
}

/** A selector value as a LabelSelector; undefined (selects nothing) when absent. */
export function selectorOf(v: unknown): LabelSelector | undefined {
  return isRecord(v) ? (v as LabelSelector) : undefined;
}

/** The finding every rule reports, located at the object. */
export function findingAt(obj: RenderedObject, ctx: ManifestSetContext, code: ManifestSetRule, message: string, hint: string, path?: string): ManifestSetFinding {
  const namespace = namespaceOf(obj, ctx);
  return {
    severity: ctx.tier === 'dev' ? 'warning' : 'error',
    code,
    message,
    hint,
    ...(obj.environment !== undefined ? { environment: obj.environment } : {}),
    ...(obj.chart !== undefined ? { chart: obj.chart } : {}),
    ...(obj.source !== undefined ? { source: obj.source } : {}),
    line: obj.line,
    kind: obj.kind,
    name: obj.name,
    ...(namespace ? { namespace } : {}),
    ...(path ? { path } : {}),
  };
}

/** `Kind namespace/name`, as messages name objects. */
export function subjectOf(obj: RenderedObject, ctx: ManifestSetContext): string {
  const ns = namespaceOf(obj, ctx);
  return `${obj.kind} ${ns ? `${ns}/` : ''}${obj.name}`;
}
