/**
 * The real redis-cluster chart, rendered by the real helm with the production scenario, against every
 * policy of policies/ in a production namespace. helm runs here, in the test; src never spawns.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseManifests, type RenderedObject } from '@redis-gitops/manifests';
import { checkManifestSet, evaluate, loadPolicies } from '../src/index.ts';
import { PRODUCTION, REPO } from './helpers.ts';
import { policyFiles } from './policy-folders.ts';

function renderProduction(...scenarios: string[]): RenderedObject[] {
  const helm = path.join(REPO, '.tools/bin/helm');
  const chart = path.join(REPO, 'charts/redis-cluster');
  const values = scenarios.flatMap((s) => ['-f', path.join(chart, 'ci', s)]);
  const text = execFileSync(helm, ['template', 't', chart, ...values, '-n', 'redis-prod'], {
    encoding: 'utf8',
    env: { ...process.env, HELM_CONFIG_HOME: '/tmp/redis-gitops-policy-helm/config', HELM_CACHE_HOME: '/tmp/redis-gitops-policy-helm/cache', HELM_DATA_HOME: '/tmp/redis-gitops-policy-helm/data' },
  });
  const { objects, problems } = parseManifests(text, { environment: 'ci-production', chart: 'redis-cluster' });
  expect(problems).toEqual([]);
  return objects;
}

describe('the redis-cluster chart (production values, backups on) against the policies', () => {
  const objects = renderProduction('production-values.yaml', 'backup-values.yaml');
  const ctx = { namespaceLabels: PRODUCTION };

  it('renders the workloads the policies look at', () => {
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'ConfigMap',
      'ConfigMap',
      'ConfigMap',
      'ConfigMap',
      'CronJob',
      'Job',
      'Job',
      'PersistentVolumeClaim',
      'PodDisruptionBudget',
      'Service',
      'Service',
      'StatefulSet',
    ]);
  });

  it('passes every policy', () => {
    const set = loadPolicies(policyFiles());
    expect(set.policies.length).toBe(11);
    expect(evaluate(set, objects, ctx)).toEqual([]);
  });

  it('fails backup-required when production runs without the backup CronJob', () => {
    const results = evaluate(loadPolicies(policyFiles()), renderProduction('production-values.yaml'), ctx);
    expect(results.map((r) => [r.policy, r.binding, r.severity, r.message])).toEqual([
      ['backup-required', 'backup-required-deny', 'error', 'StatefulSet redis-prod/t-redis-cluster names no backup CronJob (metadata.annotations[redis-gitops.dev/backup-cronjob])'],
    ]);
  });

  it('passes the manifest-set checks that concern the chart alone (maxmemory headroom, PDB drain)', () => {
    const findings = checkManifestSet(objects, { tier: 'production', namespace: 'redis-prod' });
    expect(findings.filter((f) => f.code === 'maxmemory-headroom' || f.code === 'pdb-drain' || f.code === 'backup-cronjob')).toEqual([]);
    // NetworkPolicies come from the redis-netpol chart, which this render does not include.
    expect(findings.map((f) => f.code).sort()).toEqual(['default-deny-ingress', 'netpol-coverage']);
  });
});
