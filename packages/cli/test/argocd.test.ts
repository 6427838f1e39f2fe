/**
 * Argo CD delivery: every generated Argo CD object passes the @kubernetes-models/argo-cd schemas,
 * each ApplicationSet expands (Go-template style, missingkey=error) the generated app inputs into
 * valid Applications, and arm64 environments can only ever reach arm64 clusters.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkObjects, parseManifests, type RenderedObject } from '@redis-gitops/manifests';
import YAML from 'yaml';
import { runHelm } from '../src/io/helm.ts';
import { REPO } from './workspace-fixture.ts';

type Obj = Record<string, any>;
const read = (rel: string) => readFileSync(path.join(REPO, rel), 'utf8');
const files = (rel: string) =>
  readdirSync(path.join(REPO, rel), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => path.join(rel, f));
const argoObjects = (): RenderedObject[] => files('argocd/generated').flatMap((f) => parseManifests(read(f), {}).objects.map((o) => ({ ...o, source: f })));
const appInputs = (): Obj[] =>
  files('environments')
    .filter((f) => f.includes('/generated/apps/'))
    .map((f) => YAML.parse(read(f)) as Obj);
const clusters = YAML.parse(read('environments/clusters.yaml')) as { clusters: { name: string; server: string; arch: string }[] };

/** Fills `{{.key}}` like Argo CD's goTemplate with missingkey=error: an unknown key throws. */
function expand(template: unknown, params: Obj): unknown {
  if (typeof template === 'string') {
    return template.replace(/\{\{\s*\.([A-Za-z0-9_]+)\s*\}\}/g, (_, k: string) => {
      if (!(k in params)) throw new Error(`missingkey=error: "${k}" is not in the generator parameters`);
      return String(params[k]);
    });
  }
  if (Array.isArray(template)) return template.map((t) => expand(t, params));
  if (template && typeof template === 'object') return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, expand(v, params)]));
  return template;
}

describe('Argo CD objects', () => {
  it('are all valid against the Argo CD schemas (unknown fields included)', async () => {
    const objs = argoObjects();
    expect(objs.map((o) => o.kind).sort()).toEqual(expect.arrayContaining(['AppProject', 'Application', 'ApplicationSet']));
    expect(await checkObjects(objs)).toEqual([]);
  });

  it('use missingkey=error and expand every generated app input into a valid Application', async () => {
    const sets = argoObjects().filter((o) => o.kind === 'ApplicationSet' && o.name !== 'redis-policies');
    const inputs = appInputs();
    expect(inputs.length).toBeGreaterThanOrEqual(12);
    const apps: RenderedObject[] = [];
    for (const set of sets) {
      const spec = (set.object as Obj).spec;
      expect(spec.goTemplateOptions).toEqual(['missingkey=error']);
      const arch = spec.generators[0].selector.matchLabels.arch;
      for (const input of inputs.filter((i) => i.arch === arch)) {
        const app: Obj = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', ...(expand(spec.template, input) as Obj) };
        apps.push({ apiVersion: app.apiVersion, kind: 'Application', name: app.metadata.name, namespace: undefined, source: set.name, line: 0, object: app });
      }
    }
    expect(apps).toHaveLength(inputs.length);
    expect(await checkObjects(apps)).toEqual([]);
    for (const a of apps) {
      const o = a.object as Obj;
      expect(o.spec.sources[0].targetRevision).toMatch(/^\d+\.\d+\.\d+$/);
      expect(o.spec.sources[0].helm.valueFiles[0]).toMatch(/^\$values\/environments\/[^/]+\/generated\/[a-z-]+\.values\.yaml$/);
      expect(o.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    }
  });

  it('routes arm64 environments only to arm64 clusters, in the project and in the generator inputs', async () => {
    const archOf = new Map(clusters.clusters.map((c) => [c.server, c.arch]));
    for (const input of appInputs()) {
      expect({ app: input.name, arch: archOf.get(input.server) }).toEqual({ app: input.name, arch: input.arch });
      expect(input.project).toBe(`redis-${input.arch}`);
    }
    for (const p of argoObjects().filter((o) => o.kind === 'AppProject' && o.name !== 'redis-policies')) {
      const arch = p.name.replace(/^redis-/, '');
      const servers = ((p.object as Obj).spec.destinations as Obj[]).map((d) => archOf.get(d.server));
      expect(servers.length).toBeGreaterThan(0);
      expect(new Set(servers)).toEqual(new Set([arch]));
    }
    expect(appInputs().some((i) => i.arch === 'arm64')).toBe(true);
  });

  it('orders an environment: netpol, then Redis, then monitoring', async () => {
    const waves = Object.fromEntries(
      appInputs()
        .filter((i) => i.environment === 'prod-x86')
        .map((i) => [i.chart, Number(i.syncWave)]),
    );
    expect(waves['redis-netpol']).toBeLessThan(waves['redis-cluster']);
    expect(waves['redis-cluster']).toBeLessThan(waves['redis-monitoring']);
  });

  it("puts each environment's metadata.labels on its Applications (the templatePatch, run by a real Go template engine)", async () => {
    // Argo CD evaluates templatePatch with Go text/template and sprig; helm's tpl is the same engine.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'argocd-patch-'));
    try {
      mkdirSync(path.join(dir, 'templates'));
      writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: patch\nversion: 0.1.0\n');
      writeFileSync(path.join(dir, 'templates', 'out.yaml'), '{{ tpl .Values.patch .Values.input }}\n');
      const sets = argoObjects().filter((o) => o.kind === 'ApplicationSet');
      expect(sets.length).toBeGreaterThan(0);
      let checked = 0;
      for (const input of appInputs()) {
        const set = sets.find((s) => (s.object as Obj).spec.generators[0].selector.matchLabels.arch === input.arch)!;
        const patch = (set.object as Obj).spec.templatePatch as string;
        writeFileSync(path.join(dir, 'values.yaml'), YAML.stringify({ patch, input }));
        const r = await runHelm(['template', 'r', dir]);
        expect(r.stderr).toBe('');
        const labels = (YAML.parse(r.stdout.replace(/^---\n# Source:.*\n/m, '')) as Obj).metadata.labels as Record<string, string>;
        const spec = YAML.parse(read(`environments/${input.environment}/environment.yaml`)) as Obj;
        expect(labels).toEqual({ ...(spec.metadata.labels ?? {}), 'redis-gitops.dev/environment': input.environment });
        checked++;
      }
      expect(checked).toBe(appInputs().length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
