/**
 * What a change does to the objects of one environment: which objects are added, changed and
 * removed (by kind, namespace and name, not by line numbers into a long stream), and which
 * changes Kubernetes refuses to apply to an existing object, with the procedure that does apply
 * them. Pure: two lists of rendered objects in, a list of changes out.
 */
import type { RenderedObject } from './rendered-object.ts';

export interface ObjectChange {
  readonly change: 'added' | 'changed' | 'removed';
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly name: string;
  /** `Kind namespace/name`. */
  readonly id: string;
  readonly before?: RenderedObject;
  readonly after?: RenderedObject;
  /** Fields that differ, as dotted paths (changed objects only; the first level below spec/metadata). */
  readonly fields: readonly string[];
  /** Changes the API server refuses on an existing object (Argo CD's sync fails on them). */
  readonly refused: readonly RefusedUpdate[];
}

export interface RefusedUpdate {
  /** The immutable field, e.g. `spec.volumeClaimTemplates`. */
  readonly field: string;
  /** Why Kubernetes refuses it. */
  readonly why: string;
  /** What to do instead: the RUNBOOK procedure. */
  readonly procedure: string;
}

/** Immutable fields per kind, with the procedure that replaces an in-place update. */
const IMMUTABLE: Readonly<Record<string, readonly { field: readonly string[]; why: string; procedure: string }[]>> = {
  StatefulSet: [
    {
      field: ['spec', 'volumeClaimTemplates'],
      why: 'a StatefulSet\'s volumeClaimTemplates cannot change after creation ("updates to statefulset spec for fields other than replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy and minReadySeconds are forbidden")',
      procedure:
        'RUNBOOK "Grow the data volumes": check the StorageClass allows expansion (allowVolumeExpansion: true), patch each PVC to the new size, delete the StatefulSet with --cascade=orphan (the pods keep running), then sync',
    },
    {
      field: ['spec', 'selector'],
      why: "a StatefulSet's selector is immutable",
      procedure: 'RUNBOOK "Replace a StatefulSet": delete it with --cascade=orphan, then sync; the new StatefulSet adopts the pods only if their labels match the new selector',
    },
    { field: ['spec', 'serviceName'], why: "a StatefulSet's serviceName is immutable", procedure: 'RUNBOOK "Replace a StatefulSet": delete it with --cascade=orphan, then sync' },
    { field: ['spec', 'podManagementPolicy'], why: "a StatefulSet's podManagementPolicy is immutable", procedure: 'RUNBOOK "Replace a StatefulSet": delete it with --cascade=orphan, then sync' },
  ],
  Job: [
    {
      field: ['spec', 'template'],
      why: "a Job's pod template is immutable",
      procedure: 'the chart runs its Jobs as helm hooks that are deleted before they are created again (Argo CD: hook-delete-policy BeforeHookCreation); if a Job is not a hook, delete it, then sync',
    },
    { field: ['spec', 'selector'], why: "a Job's selector is immutable", procedure: 'delete the Job, then sync' },
  ],
  Service: [
    {
      field: ['spec', 'clusterIP'],
      why: "a Service's clusterIP is immutable (None for a headless Service)",
      procedure: 'delete the Service, then sync (clients see it disappear for the moment between)',
    },
  ],
  PersistentVolumeClaim: [
    {
      field: ['spec', 'storageClassName'],
      why: "a PersistentVolumeClaim's storageClassName is immutable",
      procedure: 'create a new claim and copy the data (for the backup claim: a new backup set lands on the new claim)',
    },
    { field: ['spec', 'accessModes'], why: "a PersistentVolumeClaim's accessModes are immutable", procedure: 'create a new claim and copy the data' },
  ],
};

const at = (o: unknown, path: readonly string[]): unknown => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);

/** Stable JSON with sorted keys, so equal objects compare equal whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function group(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
}

function identity(o: RenderedObject, defaultNamespace: string | undefined): string {
  return `${group(o.apiVersion)}|${o.kind}|${o.namespace ?? defaultNamespace ?? ''}|${o.name}`;
}

/** The dotted paths (two levels deep below the top) whose values differ. */
function changedFields(a: unknown, b: unknown): string[] {
  const out: string[] = [];
  const keys = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : []);
  for (const top of [...new Set([...keys(a), ...keys(b)])].sort()) {
    const x = at(a, [top]);
    const y = at(b, [top]);
    if (canonical(x) === canonical(y)) continue;
    const inner = [...new Set([...keys(x), ...keys(y)])].sort().filter((k) => canonical(at(x, [k])) !== canonical(at(y, [k])));
    if (inner.length && (top === 'spec' || top === 'metadata' || top === 'data')) out.push(...inner.map((k) => `${top}.${k}`));
    else out.push(top);
  }
  return out;
}

/** Added, changed and removed objects between two renders of one environment, sorted by kind, namespace and name. */
export function diffManifests(before: readonly RenderedObject[], after: readonly RenderedObject[], defaultNamespace?: string): ObjectChange[] {
  const b = new Map(before.map((o) => [identity(o, defaultNamespace), o]));
  const a = new Map(after.map((o) => [identity(o, defaultNamespace), o]));
  const out: ObjectChange[] = [];
  for (const key of [...new Set([...b.keys(), ...a.keys()])]) {
    const x = b.get(key);
    const y = a.get(key);
    const o = (y ?? x)!;
    const namespace = o.namespace ?? defaultNamespace;
    const base = { kind: o.kind, namespace, name: o.name, id: `${o.kind} ${namespace ? `${namespace}/` : ''}${o.name}` };
    if (!x) out.push({ ...base, change: 'added', after: y!, fields: [], refused: [] });
    else if (!y) out.push({ ...base, change: 'removed', before: x, fields: [], refused: [] });
    else if (canonical(x.object) !== canonical(y.object)) {
      const refused = (IMMUTABLE[o.kind] ?? [])
        .filter((r) => canonical(at(x.object, r.field)) !== canonical(at(y.object, r.field)))
        .map((r) => ({ field: r.field.join('.'), why: r.why, procedure: r.procedure }));
      out.push({ ...base, change: 'changed', before: x, after: y, fields: changedFields(x.object, y.object), refused });
    }
  }
  const order = { removed: 0, changed: 1, added: 2 } as const;
  return out.sort(
    (p, q) => p.kind.localeCompare(q.kind, 'en') || (p.namespace ?? '').localeCompare(q.namespace ?? '', 'en') || p.name.localeCompare(q.name, 'en') || order[p.change] - order[q.change],
  );
}

/** "2 added, 1 changed, 0 removed" */
export function summarizeChanges(changes: readonly ObjectChange[]): { added: number; changed: number; removed: number; refused: number } {
  return {
    added: changes.filter((c) => c.change === 'added').length,
    changed: changes.filter((c) => c.change === 'changed').length,
    removed: changes.filter((c) => c.change === 'removed').length,
    refused: changes.reduce((n, c) => n + c.refused.length, 0),
  };
}
