/**
 * What validate says it checked, and the chart-version check: a chart changed without a version
 * bump fails validate (Argo CD installs the published package), compared with the same repository
 * folder `publish` writes. The expectations come from the workspace (the policy files, the charts),
 * not from figures copied into the test.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { makeFixture, type Fixture } from './workspace-fixture.ts';

let fx: Fixture;
beforeAll(async () => {
  fx = makeFixture();
  expect((await fx.run('generate')).code).toBe(0);
});
afterAll(() => fx.cleanup());

/** policy name -> tier -> validation actions, read from the binding objects under policies/. */
function bindingsByTier(): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  for (const dir of readdirSync(fx.file('policies'), { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const doc of parseAllDocuments(readFileSync(fx.file(`policies/${dir.name}/${dir.name}.yaml`), 'utf8'))) {
      const o = doc.toJSON() as {
        kind?: string;
        spec?: {
          policyName?: string;
          validationActions?: string[];
          matchResources?: { namespaceSelector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values: string[] }[] } };
        };
      };
      if (o?.kind !== 'ValidatingAdmissionPolicyBinding' || !o.spec?.policyName) continue;
      const sel = o.spec.matchResources?.namespaceSelector;
      const tiers = [
        sel?.matchLabels?.['redis-gitops.dev/tier'],
        ...(sel?.matchExpressions ?? []).filter((e) => e.key === 'redis-gitops.dev/tier' && e.operator === 'In').flatMap((e) => e.values),
      ].filter((t): t is string => Boolean(t));
      const byTier = out.get(o.spec.policyName) ?? new Map<string, string[]>();
      for (const t of tiers) byTier.set(t, [...(byTier.get(t) ?? []), ...(o.spec.validationActions ?? [])]);
      out.set(o.spec.policyName, byTier);
    }
  }
  return out;
}

describe('validate says what it checked', () => {
  it('lists, per environment, the objects schema-checked, every policy bound for its tier with its action, and the manifest-set checks', async () => {
    const r = await fx.run('validate', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      environments: { name: string; tier: string; charts: { objects: number }[]; checked: { schemaObjects: number; policies: { policy: string; action: string }[]; manifestSet: string[] } }[];
    };
    const bindings = bindingsByTier();
    expect(bindings.size).toBeGreaterThan(0);
    for (const e of report.environments) {
      expect({ env: e.name, objects: e.checked.schemaObjects }).toEqual({ env: e.name, objects: e.charts.reduce((n, c) => n + c.objects, 0) });
      const expected = [...bindings]
        .filter(([, byTier]) => byTier.has(e.tier))
        .map(([policy, byTier]) => {
          const actions = byTier.get(e.tier)!;
          return { policy, action: actions.includes('Deny') ? 'Deny' : actions.includes('Warn') ? 'Warn' : 'Audit' };
        })
        .sort((a, b) => (a.policy < b.policy ? -1 : 1));
      expect({ env: e.name, policies: e.checked.policies }).toEqual({ env: e.name, policies: expected });
      expect(e.checked.policies.length).toBeGreaterThan(0);
      expect(e.checked.manifestSet).toEqual(['network-coverage', 'backup-cronjob', 'pdb-drain', 'maxmemory-headroom']);
    }
  });

  it('prints the same in the text and Markdown reports, and says when chart versions were not checked', async () => {
    const text = await fx.run('validate', '--env', 'prod-x86');
    const bound = (JSON.parse((await fx.run('validate', '--env', 'prod-x86', '--json')).stdout) as { environments: { checked: { policies: { action: string }[] } }[] }).environments[0]!.checked
      .policies;
    const n = bound.length;
    const deny = bound.filter((p) => p.action === 'Deny').length;
    expect(deny).toBeGreaterThan(0);
    expect(text.stdout).toMatch(new RegExp(`checked: \\d+ objects against schemas · ${n} policies \\(${deny} Deny, ${n - deny} Warn\\) · 4 manifest-set checks`));
    expect(text.stdout).toMatch(new RegExp(`^ {2}policies for production: ${n} policies`, 'm'));
    expect(text.stdout).toMatch(/^ {2}chart versions: NOT checked: no published chart repository at dist\/charts/m);
    const md = await fx.run('validate', '--env', 'prod-x86', '--markdown');
    expect(md.stdout).toMatch(new RegExp(`policies for production: ${n} policies`));
    expect(md.stdout).toMatch(/chart versions: NOT checked/);
  });
});

describe('validate and chart versions', () => {
  it('passes charts as published, fails a chart changed without a version bump (naming chart and version), and passes once it is bumped', async () => {
    expect((await fx.run('publish')).code).toBe(0);
    const ok = await fx.run('validate', '--env', 'prod-x86', '--json');
    expect(ok.code).toBe(0);
    const okReport = JSON.parse(ok.stdout) as { chartVersions: { checked: boolean; charts: { chart: string; status: string }[] } };
    expect(okReport.chartVersions.checked).toBe(true);
    expect(okReport.chartVersions.charts.map((c) => [c.chart, c.status])).toEqual([
      ['redis-cluster', 'published'],
      ['redis-monitoring', 'published'],
      ['redis-netpol', 'published'],
    ]);

    const notes = fx.file('charts/redis-netpol/templates/NOTES.txt');
    writeFileSync(notes, `${readFileSync(notes, 'utf8')}\nchanged\n`);
    const bad = await fx.run('validate', '--env', 'prod-x86');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/chart redis-netpol changed, but version 0\.1\.0 is already published \(dist\/charts\/redis-netpol-0\.1\.0\.tgz\) with other content/);
    expect(bad.stdout).toMatch(/bump version in charts\/redis-netpol\/Chart\.yaml \(e\.g\. 0\.1\.1\)/);
    // Only the environments that use the chart name it; a sentinel environment also uses netpol.
    const sentinel = await fx.run('validate', '--env', 'sessions-sentinel');
    expect(sentinel.code).toBe(1);

    const chartYaml = fx.file('charts/redis-netpol/Chart.yaml');
    writeFileSync(chartYaml, readFileSync(chartYaml, 'utf8').replace(/^version: 0\.1\.0$/m, 'version: 0.1.1'));
    expect((await fx.run('generate')).code).toBe(0);
    const bumped = await fx.run('validate', '--env', 'prod-x86', '--json');
    expect(bumped.code).toBe(0);
    expect((JSON.parse(bumped.stdout) as { chartVersions: { charts: { chart: string; version: string; status: string }[] } }).chartVersions.charts).toContainEqual({
      chart: 'redis-netpol',
      version: '0.1.1',
      status: 'new',
    });
  });
});

describe('tier safety: what production must keep, named at the spec field', () => {
  function editSpec(env: string, change: (t: string) => string): () => void {
    const file = fx.file(`environments/${env}/environment.yaml`);
    const before = readFileSync(file, 'utf8');
    writeFileSync(file, change(before));
    return () => writeFileSync(file, before);
  }
  const lineOf = (env: string, re: RegExp) =>
    readFileSync(fx.file(`environments/${env}/environment.yaml`), 'utf8')
      .split('\n')
      .findIndex((l) => re.test(l)) + 1;

  it('production without replicas, persistence or backups fails, each finding pointing at its field', async () => {
    const undo = editSpec('prod-x86', (t) =>
      t
        .replace(/replicasPerShard: 1/, 'replicasPerShard: 0')
        .replace(/^(\s+)persistence:\n/m, '$1persistence:\n$1  enabled: false\n')
        .replace(/^(\s+)backup:\n/m, '$1backup:\n$1  enabled: false\n'),
    );
    try {
      expect((await fx.run('generate', '--env', 'prod-x86')).code).toBe(0);
      const r = await fx.run('validate', '--env', 'prod-x86');
      expect(r.code).toBe(1);
      const file = 'environments/prod-x86/environment.yaml';
      for (const [path, re, hint] of [
        ['spec.topology.replicasPerShard', /replicasPerShard: 0/, 'set spec.topology.replicasPerShard: 1'],
        ['spec.persistence.enabled', /^\s+persistence:/, 'set spec.persistence.enabled: true'],
        ['spec.backup.enabled', /^\s+backup:/, 'set spec.backup.enabled: true'],
      ] as const) {
        const line = path === 'spec.topology.replicasPerShard' ? lineOf('prod-x86', re) : lineOf('prod-x86', re) + 1;
        expect(r.stdout).toMatch(new RegExp(`✗ \\(${file.replaceAll('.', '\\.')}:${line}:\\d+\\) ${path.replaceAll('.', '\\.')}: .* in a production environment: .* — ${hint.replaceAll('.', '\\.')}`));
      }
    } finally {
      undo();
      await fx.run('generate', '--env', 'prod-x86');
    }
  });

  it('production without an off-cluster copy of its backups fails unless the spec gives its reason', async () => {
    const undo = editSpec('prod-x86', (t) => t.replace(/^ {4}# A copy of every set off the cluster[^\n]*\n {4}remote:\n( {6}[^\n]*\n| {8}[^\n]*\n)+/m, ''));
    try {
      expect(readFileSync(fx.file('environments/prod-x86/environment.yaml'), 'utf8')).not.toMatch(/remote:/);
      expect((await fx.run('generate', '--env', 'prod-x86')).code).toBe(0);
      const r = await fx.run('validate', '--env', 'prod-x86');
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /✗ \(environments\/prod-x86\/environment\.yaml:\d+:\d+\) spec\.backup: keeps every backup set on a volume of the same cluster in a production environment: .* — set spec\.backup\.remote/,
      );
    } finally {
      undo();
      await fx.run('generate', '--env', 'prod-x86');
    }
    const optOut = editSpec('prod-x86', (t) =>
      t.replace(/^ {4}# A copy of every set off the cluster[^\n]*\n {4}remote:\n( {6}[^\n]*\n| {8}[^\n]*\n)+/m, '    remoteOptOut: "rebuilt nightly from the ledger"\n'),
    );
    try {
      expect((await fx.run('generate', '--env', 'prod-x86')).code).toBe(0);
      const r = await fx.run('validate', '--env', 'prod-x86');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/! \(environments\/prod-x86\/environment\.yaml:\d+:\d+\) spec\.backup\.remoteOptOut: no copy off the cluster, by choice: "rebuilt nightly from the ledger"/);
    } finally {
      optOut();
      await fx.run('generate', '--env', 'prod-x86');
    }
  });

  it('staging gets warnings for the same, and passes', async () => {
    const undo = editSpec('edge-pi4', (t) => t.replace(/replicasPerShard: 1/, 'replicasPerShard: 0'));
    try {
      expect((await fx.run('generate', '--env', 'edge-pi4')).code).toBe(0);
      const r = await fx.run('validate', '--env', 'edge-pi4', '--json');
      expect(r.code).toBe(0);
      const findings = (JSON.parse(r.stdout) as { environments: { findings: { severity: string; code: string; path?: string }[] }[] }).environments[0]!.findings;
      expect(findings.filter((f) => f.code.startsWith('tier-safety/'))).toEqual([
        expect.objectContaining({ severity: 'warning', code: 'tier-safety/replica-per-shard', path: 'spec.topology.replicasPerShard' }),
        // edge-pi4 keeps its backups in the cluster by choice: the reason is in every report.
        expect.objectContaining({ severity: 'warning', code: 'tier-safety/off-cluster-backups', path: 'spec.backup.remoteOptOut', message: expect.stringMatching(/by choice: "edge cache/) }),
      ]);
    } finally {
      undo();
      await fx.run('generate', '--env', 'edge-pi4');
    }
  });
});
