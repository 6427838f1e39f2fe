/**
 * redis-common, the library chart every chart links in as charts/redis-common. A library renders
 * nothing by itself, so each test builds a small probe chart in a temporary folder that links the
 * real library (as the charts do), includes one named template and prints the result; the real
 * helm renders it. Also checks the links themselves: every chart that lists the dependency has it,
 * and every link under charts/ stays inside the repository's charts/redis-common.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantityValue } from '@redis-gitops/quantity';
import { templateChart } from '@redis-gitops/redis-testkit';

const CHARTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const LIBRARY = path.join(CHARTS, 'redis-common');
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'redis-common-probe-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let probes = 0;
/** A chart named `name` that depends on the real library, with `templates` (file -> text) and `values`. */
function probeChart(name: string, templates: Record<string, string>, values: Record<string, unknown> = {}): string {
  const dir = path.join(tmp, `probe-${probes++}`, name);
  mkdirSync(path.join(dir, 'templates'), { recursive: true });
  mkdirSync(path.join(dir, 'charts'));
  symlinkSync(LIBRARY, path.join(dir, 'charts', 'redis-common'));
  writeFileSync(
    path.join(dir, 'Chart.yaml'),
    `apiVersion: v2\nname: ${name}\nversion: 1.2.3\nappVersion: "9.9"\ndependencies:\n  - name: redis-common\n    version: 0.1.0\n    repository: file://../redis-common\n`,
  );
  writeFileSync(path.join(dir, 'values.yaml'), `${JSON.stringify(values)}\n`);
  for (const [file, text] of Object.entries(templates)) writeFileSync(path.join(dir, 'templates', file), text);
  return dir;
}

async function render(dir: string, release = 'r'): Promise<{ code: number; stdout: string; stderr: string }> {
  return templateChart(dir, { release, namespace: 'ns' });
}

describe('redis-common.memoryBytes', () => {
  // Every form the TypeScript parser (packages/quantity) and the template must agree on, valid or not.
  const QUANTITIES = [
    '0',
    '1',
    '1024',
    '512Mi',
    '1Gi',
    '1.5Gi',
    '2G',
    '2Gi',
    '100k',
    '1M',
    '3T',
    '2Ti',
    '1Pi',
    '1P',
    '1E',
    '1Ei',
    '512m',
    '1500m',
    '0.5',
    '.5Gi',
    '5.Mi',
    '',
    'Mi',
    '1KiB',
    '1K',
    '-1Gi',
    '1 Gi',
    '1e3',
    'abc',
  ];

  it('reads every quantity as the TypeScript parser does (bytes rounded down; "" when the template refuses it)', async () => {
    const dir = probeChart(
      'probe',
      { 'out.yaml': '{{- range $q := .Values.quantities }}\n{{ $q | quote }}: {{ include "redis-common.memoryBytes" $q | quote }}\n{{- end }}\n' },
      { quantities: QUANTITIES },
    );
    const r = await render(dir);
    expect(r.stderr).toBe('');
    const got = Object.fromEntries(
      r.stdout
        .split('\n')
        .filter((l) => l.includes(':') && !l.startsWith('#'))
        .map((l) => l.split(/: (?=")/).map((s) => JSON.parse(s) as string) as [string, string]),
    );
    expect(Object.keys(got)).toEqual(QUANTITIES);
    for (const q of QUANTITIES) {
      const ts = quantityValue(q);
      // The template's grammar is Kubernetes' without signs and exponents: those it refuses (""),
      // everything else must equal the TypeScript value, rounded down to whole bytes.
      const templateRefuses = ts === undefined || /^[+-]|[eE][+-]?[0-9]+$/.test(q);
      // Compared as numbers: the template prints whole bytes, JavaScript rounds 2^60 when it prints it.
      const bytes = got[q] === '' ? '' : Number(got[q]);
      expect({ q, bytes }).toEqual({ q, bytes: templateRefuses ? '' : Math.floor(ts) });
    }
  });
});

describe('redis-common.validate', () => {
  it('fails the render once, with every problem the chart lists, whichever template asks first', async () => {
    const dir = probeChart(
      'probe',
      {
        '_helpers.tpl':
          '{{- define "probe.problems" -}}{{- concat (include "redis-common.maxmemoryProblems" . | fromJsonArray) (include "redis-common.tlsProblems" . | fromJsonArray) (list "third: a chart-specific problem") | toJson }}{{- end }}\n',
        'a.yaml': 'a: {{ include "redis-common.maxmemory" . }}\n',
        'b.yaml': 'b: {{ include "redis-common.tlsSecretName" . }}\n',
      },
      { resources: { limits: { memory: '512m' } }, redis: { maxmemoryRatio: 0.75 }, tls: { enabled: true, existingSecret: '' } },
    );
    const r = await render(dir);
    expect(r.code).not.toBe(0);
    const message = r.stderr.slice(r.stderr.indexOf('probe: '));
    expect(message.split('\n').slice(0, 4)).toEqual([
      'probe: 3 problem(s) in the values; nothing was rendered:',
      "  - resources.limits.memory 512m x redis.maxmemoryRatio 0.75 gives maxmemory 0 bytes, below 16Mi: Redis cannot run in that (and 'm' means milli-bytes; use Mi)",
      '  - tls.enabled is true but tls.existingSecret is empty: name a Secret holding tls.crt, tls.key and ca.crt (the chart never creates it)',
      '  - third: a chart-specific problem',
    ]);
    expect(r.stderr.match(/problem\(s\) in the values/g)).toHaveLength(1);
  });

  it('renders nothing extra when the values are fine, and maxmemory is limit x ratio rounded down', async () => {
    const dir = probeChart(
      'probe',
      { '_helpers.tpl': '{{- define "probe.problems" -}}{{- include "redis-common.maxmemoryProblems" . }}{{- end }}\n', 'a.yaml': 'a: {{ include "redis-common.maxmemory" . | quote }}\n' },
      { resources: { limits: { memory: '1Gi' } }, redis: { maxmemoryRatio: 0.7 } },
    );
    const r = await render(dir);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`a: "${Math.floor(1024 ** 3 * 0.7)}"`);
  });

  it('names a memory limit that is missing or not a quantity', async () => {
    const problems = async (memory: unknown) => {
      const limits = memory === undefined ? {} : { memory };
      const dir = probeChart('probe', { 'p.yaml': 'p: {{ include "redis-common.maxmemoryProblems" . | quote }}\n' }, { resources: { limits }, redis: { maxmemoryRatio: 0.75 } });
      const r = await render(dir);
      expect(r.stderr).toBe('');
      return JSON.parse(JSON.parse(r.stdout.slice(r.stdout.indexOf('p: ') + 3).trim()) as string) as string[];
    };
    expect(await problems(undefined)).toEqual([expect.stringMatching(/^resources\.limits\.memory is required: probe derives Redis maxmemory from it/)]);
    expect(await problems('12X')).toEqual([expect.stringMatching(/^resources\.limits\.memory "12X" is not a Kubernetes memory quantity: .* e\.g\. 512Mi$/)]);
    expect(await problems('256Mi')).toEqual([]);
  });
});

describe('redis-common names and labels', () => {
  it('keeps the suffix and cuts the release-based name to the limit', async () => {
    const dir = probeChart('probe', { 'n.yaml': 'n: {{ include "redis-common.suffixedName" (dict "root" . "suffix" "backup" "limit" 52) }}\nf: {{ include "redis-common.fullname" . }}\n' });
    const long = `release-${'x'.repeat(70)}`;
    const r = await render(dir, long.slice(0, 53));
    expect(r.stderr).toBe('');
    const n = /^n: (\S+)$/m.exec(r.stdout)?.[1] ?? '';
    expect(n.length).toBeLessThanOrEqual(52);
    expect(n).toMatch(/^release-x+-backup$/);
    const short = await render(dir, 'shop');
    expect(short.stdout).toMatch(/^n: shop-probe-backup$/m);
    expect(short.stdout).toMatch(/^f: shop-probe$/m);
  });

  it('labels carry the component, the chart and the image tag (else appVersion), and selector labels only the stable three', async () => {
    const tpl =
      'l: {{ include "redis-common.labels" (dict "root" . "component" "redis") | fromYaml | toJson }}\ns: {{ include "redis-common.selectorLabels" (dict "root" . "component" "redis") | fromYaml | toJson }}\n';
    const withTag = await render(probeChart('probe', { 'l.yaml': tpl }, { image: { tag: '7.4.2' }, commonLabels: { team: 'payments' } }));
    const labels = (name: string, out: string) => JSON.parse(new RegExp(`^${name}: (.*)$`, 'm').exec(out)?.[1] ?? 'null') as Record<string, string>;
    expect(labels('l', withTag.stdout)).toEqual({
      'app.kubernetes.io/name': 'probe',
      'app.kubernetes.io/instance': 'r',
      'app.kubernetes.io/component': 'redis',
      'app.kubernetes.io/version': '7.4.2',
      'app.kubernetes.io/managed-by': 'Helm',
      'app.kubernetes.io/part-of': 'redis-gitops',
      'helm.sh/chart': 'probe-1.2.3',
      team: 'payments',
    });
    expect(labels('s', withTag.stdout)).toEqual({ 'app.kubernetes.io/name': 'probe', 'app.kubernetes.io/instance': 'r', 'app.kubernetes.io/component': 'redis' });
    const noImage = await render(probeChart('probe', { 'l.yaml': tpl }));
    expect(labels('l', noImage.stdout)['app.kubernetes.io/version']).toBe('9.9');
  });
});

describe('the links that share the library', () => {
  const chartsDependingOnIt = readdirSync(CHARTS).filter(
    (c) => existsSync(path.join(CHARTS, c, 'Chart.yaml')) && /^\s+- name: redis-common$/m.test(readFileSync(path.join(CHARTS, c, 'Chart.yaml'), 'utf8')),
  );

  it('every chart that lists redis-common links the library in as charts/redis-common', () => {
    expect(chartsDependingOnIt.sort()).toEqual(['redis-cluster', 'redis-monitoring', 'redis-netpol', 'redis-sentinel']);
    for (const c of chartsDependingOnIt) {
      const link = path.join(CHARTS, c, 'charts', 'redis-common');
      expect({ c, link: lstatSync(link).isSymbolicLink(), target: readlinkSync(link) }).toEqual({ c, link: true, target: '../../redis-common' });
    }
  });

  it('every link under charts/ is relative and resolves to a file or folder of charts/redis-common', () => {
    const links: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isSymbolicLink()) links.push(p);
        else if (e.isDirectory() && e.name !== 'node_modules') walk(p);
      }
    };
    walk(CHARTS);
    expect(links.length).toBeGreaterThanOrEqual(chartsDependingOnIt.length);
    for (const link of links) {
      const rel = path.relative(CHARTS, link);
      expect({ rel, relative: !path.isAbsolute(readlinkSync(link)) }).toEqual({ rel, relative: true });
      expect({ rel, resolvesTo: path.relative(LIBRARY, realpathSync(link)).startsWith('..') ? 'outside' : 'library' }).toEqual({ rel, resolvesTo: 'library' });
    }
  });
});
