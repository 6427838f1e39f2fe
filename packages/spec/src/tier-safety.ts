/**
 * What a production Redis must keep, checked on the spec so the finding names the field to change:
 * a replica per shard (a lost pod or node would take the shard's only copy), persistence (a
 * restarted pod would start empty), and backups (a lost volume, a bad deploy or a deleted key would
 * be final), with a copy off the cluster (losing the cluster, the storage class or the namespace
 * would take the backup volume with it) unless the spec gives its reason not to, which the report
 * then shows. Production: errors (validate exits 1). Staging: warnings. Dev: nothing. Pure.
 */
import type { ParsedEnvironment } from './environment.ts';
import { formatPath, type PathSegment } from './yaml-source.ts';

export interface TierFinding {
  readonly severity: 'error' | 'warning';
  readonly rule: 'replica-per-shard' | 'persistence' | 'backups' | 'off-cluster-backups';
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** The spec field to change, e.g. `spec.backup.enabled`. */
  readonly path: string;
  readonly message: string;
  readonly hint: string;
}

/** The tier rules in the order they are checked (reports list these names). */
export const TIER_RULES = ['replica-per-shard', 'persistence', 'backups', 'off-cluster-backups'] as const;

export function checkTierSafety(env: ParsedEnvironment): TierFinding[] {
  const r = env.resolved;
  if (r.tier === 'dev') return [];
  const severity = r.tier === 'production' ? 'error' : 'warning';
  const out: TierFinding[] = [];
  const add = (rule: TierFinding['rule'], path: PathSegment[], message: string, hint: string, level: TierFinding['severity'] = severity) => {
    const pos = env.source.keyPositionOf(path);
    out.push({ severity: level, rule, file: env.file, line: pos.line, col: pos.col, path: formatPath(path), message, hint });
  };
  const unit = r.topology.mode === 'cluster' ? 'shard' : 'master';
  if (r.topology.replicasPerShard < 1) {
    add(
      'replica-per-shard',
      ['spec', 'topology', 'replicasPerShard'],
      `is 0 in a ${r.tier} environment: each ${unit} has no replica, so losing one pod or node loses its data and stops its writes until the pod is back`,
      'set spec.topology.replicasPerShard: 1 (or more)',
    );
  }
  if (!r.persistence.enabled) {
    add(
      'persistence',
      ['spec', 'persistence', 'enabled'],
      `is false in a ${r.tier} environment: a restarted Redis pod starts empty`,
      'set spec.persistence.enabled: true (or remove the line: true is the default)',
    );
  }
  if (!r.backup.enabled) {
    add(
      'backups',
      ['spec', 'backup', 'enabled'],
      `is false in a ${r.tier} environment: a lost volume, a bad deploy or a deleted key cannot be undone without a backup set`,
      r.tier === 'production' ? 'set spec.backup.enabled: true (or remove the line: true is the default in production)' : 'set spec.backup.enabled: true',
    );
  } else if (!r.backup.remote && !r.backup.remoteOptOut) {
    add(
      'off-cluster-backups',
      ['spec', 'backup'],
      `keeps every backup set on a volume of the same cluster in a ${r.tier} environment: losing the cluster, its storage class or the namespace loses the backups too`,
      'set spec.backup.remote (an S3-compatible bucket and a credentials Secret), or give the reason in spec.backup.remoteOptOut',
    );
  } else if (!r.backup.remote) {
    // The opt-out is allowed, and shown in every report (a warning), so a reviewer sees it on each pull request.
    add(
      'off-cluster-backups',
      ['spec', 'backup', 'remoteOptOut'],
      `no copy off the cluster, by choice: "${r.backup.remoteOptOut}"`,
      'set spec.backup.remote to keep a copy off the cluster',
      'warning',
    );
  }
  return out;
}
