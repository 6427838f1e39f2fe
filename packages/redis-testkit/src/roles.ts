import { podsById, readViews, type ViewOptions } from './cluster-view.ts';
import { rangesText } from './cluster-topology.ts';
import type { Pod } from './pod.ts';

export interface PodRole {
  readonly role: 'master' | 'replica' | 'unknown';
  readonly nodeId: string;
  /** A replica's master: pod name, or the node ID when no pod has it. */
  readonly master?: string;
  /** Owned slots, e.g. "0-5000" ("" for replicas). */
  readonly slots: string;
}

/** Each pod's role in its own view (CLUSTER NODES `myself`), keyed by pod name. Throws for an unreachable pod. */
export async function roles(pods: readonly Pod[], options: ViewOptions = {}): Promise<Record<string, PodRole>> {
  const views = await readViews(pods, options);
  const byId = podsById(views);
  const out: Record<string, PodRole> = {};
  const errors: string[] = [];
  for (const v of views) {
    if (!v.myself) {
      errors.push(`${v.pod.name} (${v.pod.ip}): ${v.error ?? 'no myself line'}`);
      continue;
    }
    const me = v.myself;
    out[v.pod.name] = {
      role: me.role,
      nodeId: me.id,
      ...(me.role === 'replica' ? { master: byId.get(me.masterId)?.name ?? me.masterId } : {}),
      slots: rangesText(me.slots),
    };
  }
  if (errors.length > 0) throw new Error(`roles: cannot read ${errors.join('; ')}`);
  return out;
}

/** "rc-0 master 0-5460 | rc-3 -> rc-0 | ..." */
export function rolesText(r: Record<string, PodRole>): string {
  return Object.entries(r)
    .map(([name, x]) => (x.role === 'replica' ? `${name} -> ${x.master}` : `${name} ${x.role} ${x.slots}`))
    .join(' | ');
}
