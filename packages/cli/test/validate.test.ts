/** validate, render and diff end to end: the real helm renders the real charts. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { makeFixture, type Fixture } from './workspace-fixture.ts';

let fx: Fixture;
beforeAll(async () => {
  fx = makeFixture();
  expect((await fx.run('generate')).code).toBe(0);
});
afterAll(() => fx.cleanup());

function edit(rel: string, change: (t: string) => string): () => void {
  const file = fx.file(rel);
  const before = readFileSync(file, 'utf8');
  writeFileSync(file, change(before));
  return () => writeFileSync(file, before);
}

describe('validate', () => {
  it('passes every example environment and prints a readable report', async () => {
    const r = await fx.run('validate');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const env of ['dev-x86', 'prod-x86', 'edge-pi4', 'sessions-sentinel']) expect(r.stdout).toMatch(new RegExp(`PASS  ${env}\\s`));
    expect(r.stdout).toMatch(/4 environment\(s\), 12 chart render\(s\), \d+ object\(s\) checked .*: 0 error\(s\), \d+ warning\(s\)\. OK/);
  });

  it('--json reports every environment with the objects helm rendered', async () => {
    const r = await fx.run('validate', '--json');
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    expect(report.helm).toMatch(/^v4\.1\.4/);
    const prod = report.environments.find((e: { name: string }) => e.name === 'prod-x86');
    expect(prod).toMatchObject({ tier: 'production', arch: 'amd64' });
    expect(prod.charts[0].objects).toBeGreaterThanOrEqual(6);
  });

  it('fails (exit 1) on stale generated files, naming the file and the fix', async () => {
    const restore = edit('environments/dev-x86/generated/redis-cluster.values.yaml', (t) => t.replace('size: 1Gi', 'size: 2Gi'));
    try {
      const r = await fx.run('validate', '--env', 'dev-x86');
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/FAIL {2}dev-x86/);
      expect(r.stdout).toMatch(/environments\/dev-x86\/generated\/redis-cluster\.values\.yaml is stale/);
      expect(r.stdout).toMatch(/is stale — run `npx redis-gitops generate --env dev-x86` and commit the result/);
    } finally {
      restore();
    }
  });

  it('catches an unknown field in a rendered object and points at the template', async () => {
    const restore = edit('charts/redis-cluster/templates/redis/service.yaml', (t) => t.replace(/^spec:\n/m, 'spec:\n  publishNotReady: true\n'));
    try {
      const r = await fx.run('validate', '--env', 'prod-x86', '--json');
      expect(r.code).toBe(1);
      const findings = JSON.parse(r.stdout).environments[0].findings;
      expect(findings).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ environment: 'prod-x86', chart: 'redis-cluster', kind: 'Service', source: 'redis-cluster/templates/redis/service.yaml', path: 'spec.publishNotReady' }),
        ]),
      );
    } finally {
      restore();
    }
  });
});

describe('render', () => {
  it('prints the manifests of one environment with their sources', async () => {
    const r = await fx.run('render', '--env', 'edge-pi4');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/# Source: redis-cluster\/templates\/redis\/statefulset\.yaml/);
    expect(r.stdout).toMatch(/kubernetes\.io\/arch: arm64/);
  });
});

describe('diff', () => {
  it('shows the rendered change between a git ref and the working tree', async () => {
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', fx.root, ...args], {
        stdio: 'pipe',
        env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' },
      });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'base');
    const restore = edit('environments/dev-x86/environment.yaml', (t) => t.replace('size: 1Gi', 'size: 3Gi'));
    try {
      expect((await fx.run('generate', '--env', 'dev-x86')).code).toBe(0);
      const r = await fx.run('diff', '--env', 'dev-x86', '--base', 'HEAD', '--exit-code');
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^-\s+storage: "?1Gi"?$/m);
      expect(r.stdout).toMatch(/^\+\s+storage: "?3Gi"?$/m);
      // Objects by name, the summary first, and the update Kubernetes refuses with its procedure.
      expect(r.stdout.split('\n')[0]).toMatch(/^diff dev-x86 against HEAD: 0 added, 1 changed, 0 removed; 1 update\(s\) Kubernetes will refuse$/);
      expect(r.stdout).toMatch(/^ {2}changed {2}StatefulSet redis-dev\/dev-x86-redis-cluster: spec\.volumeClaimTemplates$/m);
      expect(r.stdout).toMatch(/^ {4}! refused update of spec\.volumeClaimTemplates: .*Do instead: RUNBOOK "Grow the data volumes": check the StorageClass allows expansion .*--cascade=orphan/m);
      expect(r.stdout).toMatch(/^--- HEAD: StatefulSet redis-dev\/dev-x86-redis-cluster$/m);
      // validate --base: the PR comment leads with the verdict and the per-environment summary.
      const md = await fx.run('validate', '--env', 'dev-x86', '--base', 'HEAD', '--markdown');
      expect(md.code).toBe(0);
      const mdLines = md.stdout.split('\n');
      expect(mdLines[0]).toMatch(/^### ✅ redis-gitops validate passed, 1 warning\(s\) · ⚠️ 1 update\(s\) Kubernetes will refuse$/);
      expect(md.stdout).toMatch(/^\| ✅ `dev-x86` \| dev \| x86-dev \(amd64\) \| 0 \/ 1 \/ 0 \| 0 \| 1 \|$/m);
      expect(md.stdout).toMatch(/^- `dev-x86` StatefulSet redis-dev\/dev-x86-redis-cluster `spec\.volumeClaimTemplates`: do instead: RUNBOOK "Grow the data volumes"/m);
      expect(mdLines.indexOf('<details><summary>Objects changed</summary>')).toBeGreaterThan(mdLines.findIndex((l) => l.startsWith('**Updates Kubernetes will refuse**')));
      const json = JSON.parse((await fx.run('validate', '--env', 'dev-x86', '--base', 'HEAD', '--json')).stdout) as {
        environments: { diff: { added: number; changed: number; removed: number }; findings: { code: string; path?: string }[] }[];
      };
      expect(json.environments[0]!.diff).toMatchObject({ added: 0, changed: 1, removed: 0 });
      expect(json.environments[0]!.findings.filter((f) => f.code === 'refused-update').map((f) => f.path)).toEqual(['spec.volumeClaimTemplates']);
      const same = await fx.run('diff', '--env', 'prod-x86', '--base', 'HEAD', '--exit-code');
      expect(same.code).toBe(0);
      expect(same.stderr).toMatch(/no manifest changes in prod-x86/);
      const bad = await fx.run('diff', '--env', 'prod-x86', '--base', 'no-such-ref');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/unknown git ref "no-such-ref"/);
    } finally {
      restore();
      await fx.run('generate', '--env', 'dev-x86');
    }
  });
});
