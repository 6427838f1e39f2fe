/**
 * The fast block-YAML reader (packages/manifests/src/read-block-yaml.ts) runs on every validate.
 * It is kept because it reads helm's output with Kubernetes' YAML 1.1 rules at about the CPU cost
 * of js-yaml, which reads YAML 1.2 (`defaultMode: 0555` is 365 to Kubernetes and 555 to js-yaml):
 * `node tools/bench/yaml-readers.ts` prints both figures. This test holds it to the `yaml` library
 * read with the same options:
 *   - every chart's default render and every ci/ scenario render, and every example environment's
 *     renders, give identical objects and problems through both readers, and take the fast path;
 *   - a seeded mutation fuzz of those renders (anchors, tabs, quotes, comments, CRLF, YAML 1.1
 *     scalars, folded scalars, flow collections, duplicate keys, broken indentation, stray document
 *     markers) gives identical results whichever reader ends up reading it.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseManifestsWith } from '@redis-gitops/manifests';
import { listCharts } from '../src/io/charts.ts';
import { helmTemplate, runHelm } from '../src/io/helm.ts';
import { loadWorkspace } from '../src/io/workspace.ts';
import { plan, templateJobs } from '../src/pipeline.ts';
import { REPO } from './workspace-fixture.ts';

interface Render {
  readonly name: string;
  readonly text: string;
}

const renders: Render[] = [];

beforeAll(async () => {
  for (const chart of listCharts(REPO)) {
    const dir = path.join(REPO, 'charts', chart);
    const scenarios = readdirSync(path.join(dir, 'ci'))
      .filter((f) => f.endsWith('-values.yaml'))
      .sort();
    for (const s of [undefined, ...scenarios]) {
      const r = await runHelm(['template', 'rc', dir, '--namespace', 'redis', ...(s ? ['-f', path.join(dir, 'ci', s)] : [])]);
      if (r.code !== 0) throw new Error(`helm template ${chart} ${s ?? '(defaults)'} failed: ${r.stderr}`);
      renders.push({ name: `${chart} ${s ?? 'defaults'}`, text: r.stdout });
    }
  }
  for (const job of templateJobs(REPO, plan(loadWorkspace(REPO)))) {
    const r = await helmTemplate(job.request);
    if (r.code !== 0) throw new Error(`helm template for ${job.p.env.resolved.name} failed: ${r.stderr}`);
    renders.push({ name: `environment ${job.p.env.resolved.name} ${job.chart.name}`, text: r.stdout });
  }
}, 180_000);

const both = (text: string) => ({ auto: parseManifestsWith(text, {}, 'auto'), yaml: parseManifestsWith(text, {}, 'yaml') });
const result = (p: ReturnType<typeof parseManifestsWith>) => ({ objects: p.objects, problems: p.problems });

describe('the fast YAML reader against the yaml library', () => {
  it('reads every chart scenario and every example environment the same, on the fast path', () => {
    expect(renders.length).toBeGreaterThan(30);
    for (const r of renders) {
      const { auto, yaml } = both(r.text);
      expect({ render: r.name, reader: auto.reader }).toEqual({ render: r.name, reader: 'fast' });
      expect({ render: r.name, objects: auto.objects.length > 0 }).toEqual({ render: r.name, objects: true });
      expect({ render: r.name, ...result(auto) }).toEqual({ render: r.name, ...result(yaml) });
    }
  });

  // YAML_FUZZ_MUTATIONS / YAML_FUZZ_SEED run a longer or another campaign by hand (the suite: 600, 20261202).
  const MUTATIONS = Number(process.env.YAML_FUZZ_MUTATIONS ?? 600);
  it(`gives the same result as the library on ${MUTATIONS} seeded mutations of real renders, whichever reader reads them`, () => {
    const random = mulberry32(Number(process.env.YAML_FUZZ_SEED ?? 20261202));
    const readers = { fast: 0, yaml: 0 };
    for (let i = 0; i < MUTATIONS; i++) {
      const base = renders[Math.floor(random() * renders.length)]!;
      const { text, what } = mutate(base.text, random);
      const { auto, yaml } = both(text);
      readers[auto.reader]++;
      expect({ mutation: i, what, render: base.name, ...result(auto) }).toEqual({ mutation: i, what, render: base.name, ...result(yaml) });
    }
    // Both paths were exercised: mutations the fast reader must take, and ones it must hand over.
    expect(readers.fast).toBeGreaterThan(50);
    expect(readers.yaml).toBeGreaterThan(50);
  });
});

/** A small seeded PRNG (mulberry32): the same seed gives the same mutations on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCALARS = ['0555', 'yes', 'off', 'on', '~', 'null', '1e3', '0x1F', '.inf', '2001-12-14', '12:30', "'quoted'", '"dq \\u00e9"', '-1', '+2', '3.50', 'true', 'Y', '0b101', '1_000'];

/** One random edit of a render, as text, with a label for failure messages. */
function mutate(text: string, random: () => number): { text: string; what: string } {
  const lines = text.split('\n');
  const pick = () => Math.floor(random() * lines.length);
  const valueLines = lines.map((l, i) => ({ l, i })).filter(({ l }) => /^\s*[A-Za-z0-9_./-]+: \S/.test(l) && !/: [|>]/.test(l));
  const vl = () => valueLines[Math.floor(random() * valueLines.length)]!;
  const kinds = ['scalar', 'anchor', 'tab', 'comment', 'quote', 'duplicate', 'indent', 'crlf', 'folded', 'flow', 'delete', 'marker'] as const;
  const kind = kinds[Math.floor(random() * kinds.length)]!;
  switch (kind) {
    case 'scalar': {
      const { l, i } = vl();
      lines[i] = l.replace(/: .*$/, `: ${SCALARS[Math.floor(random() * SCALARS.length)]}`);
      return { text: lines.join('\n'), what: `${kind} at line ${i + 1}: ${lines[i]}` };
    }
    case 'anchor': {
      const a = vl();
      const b = vl();
      lines[a.i] = a.l.replace(/: /, ': &x ');
      if (b.i > a.i) lines[b.i] = b.l.replace(/: .*$/, ': *x');
      return { text: lines.join('\n'), what: `${kind} at lines ${a.i + 1}, ${b.i + 1}` };
    }
    case 'tab': {
      const i = pick();
      lines[i] = lines[i]!.replace(/^ +/, '\t');
      return { text: lines.join('\n'), what: `${kind} at line ${i + 1}` };
    }
    case 'comment': {
      const { l, i } = vl();
      lines[i] = `${l} # note`;
      return { text: lines.join('\n'), what: `${kind} at line ${i + 1}` };
    }
    case 'quote': {
      const { l, i } = vl();
      lines[i] = l.replace(/: (.*)$/, (_, v: string) => (random() < 0.5 ? `: "${v.replace(/["\\]/g, '\\$&')}"` : `: '${v.replace(/'/g, "''")}'`));
      return { text: lines.join('\n'), what: `${kind} at line ${i + 1}` };
    }
    case 'duplicate': {
      const { l, i } = vl();
      lines.splice(i, 0, l);
      return { text: lines.join('\n'), what: `${kind} at line ${i + 1}` };
    }
    case 'indent': {
      const i = pick();
      lines[i] = random() < 0.5 ? ` ${lines[i]}` : lines[i]!.replace(/^ /, '');
      return { text: lines.join('\n'), what: `${kind} at line ${i + 1}` };
    }
    case 'crlf': {
      const i = pick();
      lines[i] = `${lines[i]}\r`;
      return { text: lines.join('\n'), what: `${kind} at line ${i + 1}` };
    }
    case 'folded': {
      const { l, i } = vl();
      const indent = /^\s*/.exec(l)![0];
      lines.splice(i, 1, l.replace(/: .*$/, ': >-'), `${indent}  folded`, `${indent}  text`);
      return { text: lines.join('\n'), what: `${kind} at line ${i + 1}` };
    }
    case 'flow': {
      const { l, i } = vl();
      lines[i] = l.replace(/: .*$/, random() < 0.5 ? ': {a: 1, b: [x, "y z"]}' : ': [1, two, {c: d}]');
      return { text: lines.join('\n'), what: `${kind} at line ${i + 1}` };
    }
    case 'delete': {
      const i = pick();
      lines.splice(i, 1);
      return { text: lines.join('\n'), what: `${kind} of line ${i + 1}` };
    }
    case 'marker': {
      const i = pick();
      lines.splice(i, 0, random() < 0.5 ? '---' : '...');
      return { text: lines.join('\n'), what: `${kind} before line ${i + 1}` };
    }
  }
}
