/**
 * Which YAML reader validate should use for `helm template` output: the repo's own fast reader
 * (packages/manifests/src/read-block-yaml.ts, through parseManifests), the `yaml` library's
 * document model (with parseManifests' YAML 1.1 options: the fallback parseManifests uses on
 * anything the fast reader does not take, and the only reader before the fast one; and with its
 * default YAML 1.2 schema), or js-yaml, a maintained fast parser (its default YAML 1.2 schema, and
 * its YAML 1.1 schema, which reads the API server's way). Issue 11's rule: if js-yaml is within 10%
 * of the fast reader's CPU at N=200, delete the hand reader. The verdict line says what the rule
 * gives and what was decided (see docs/benchmarks.md, "One-off experiments", for why the hand
 * reader stays although js-yaml is within 10%).
 *
 * It renders every example environment once with the real helm (the same requests validate makes),
 * repeats the renders to the size of N environments, and parses them with each reader in turn,
 * counting process CPU time (user + system) of the parse only. It also checks that each reader
 * yields the same objects as parseManifests, so a faster but different reader cannot win.
 *
 *   node tools/bench/yaml-readers.ts [--n 200] [--rounds 3]
 */
import { parseArgs } from 'node:util';
import { loadAll, YAML11_SCHEMA } from 'js-yaml';
import { parseManifests, parseManifestsWith } from '@redis-gitops/manifests';
import { findRoot, helmTemplate, loadWorkspace, plan, templateJobs } from 'redis-gitops';
import { parseAllDocuments } from 'yaml';

const { values } = parseArgs({ options: { n: { type: 'string', default: '200' }, rounds: { type: 'string', default: '3' } } });
const n = Number(values.n);
const rounds = Number(values.rounds);
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(rounds) || rounds < 1) {
  console.error('usage: node tools/bench/yaml-readers.ts [--n ENVIRONMENTS] [--rounds R]');
  process.exit(2);
}

const root = findRoot();
const plans = plan(loadWorkspace(root));
const renders: string[] = [];
for (const job of templateJobs(root, plans)) {
  const r = await helmTemplate(job.request);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  renders.push(r.stdout);
}
// N environments of the examples' mix: each environment contributes its renders.
const perEnv = renders.length / plans.length;
const corpus = Array.from({ length: Math.round(n * perEnv) }, (_, i) => renders[i % renders.length]!);
const bytes = corpus.reduce((a, t) => a + t.length, 0);

type Reader = { readonly name: string; readonly read: (text: string) => unknown[] };
const readers: Reader[] = [
  { name: 'fast reader (parseManifests)', read: (t) => parseManifests(t).objects.map((o) => o.object) },
  { name: 'yaml library, YAML 1.1 (the fallback)', read: (t) => parseManifestsWith(t, {}, 'yaml').objects.map((o) => o.object) },
  {
    name: 'yaml library, YAML 1.2 (parseAllDocuments)',
    read: (t) =>
      parseAllDocuments(t)
        .map((d) => d.toJS())
        .filter((v) => v !== null && v !== undefined),
  },
  { name: 'js-yaml 5 (loadAll)', read: (t) => loadAll(t).filter((v) => v !== null && v !== undefined) },
  { name: 'js-yaml 5, YAML 1.1 schema', read: (t) => loadAll(t, { schema: YAML11_SCHEMA }).filter((v) => v !== null && v !== undefined) },
];

// Same objects from every reader on every distinct render, or the figure would compare different work.
for (const text of renders) {
  const want = JSON.stringify(readers[0]!.read(text));
  for (const r of readers.slice(1)) {
    const got = JSON.stringify(r.read(text));
    if (got !== want) console.log(`note: ${r.name} yields different objects than parseManifests on one render (${got.length} vs ${want.length} bytes of JSON)`);
  }
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
console.log(
  `yaml readers: ${plans.length} example environment(s), ${renders.length} render(s), scaled to N=${n}: ${corpus.length} renders, ${(bytes / 1024 / 1024).toFixed(1)} MiB; ${rounds} round(s), median CPU`,
);
const results: Array<{ name: string; ms: number }> = [];
for (const r of readers) {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const before = cpuMs();
    for (const text of corpus) r.read(text);
    samples.push(cpuMs() - before);
  }
  samples.sort((a, b) => a - b);
  results.push({ name: r.name, ms: samples[Math.floor(samples.length / 2)]! });
}
const fast = results[0]!.ms;
for (const r of results) console.log(`  ${r.name.padEnd(44)} ${r.ms.toFixed(0).padStart(7)} ms CPU  (${(r.ms / fast).toFixed(2)}x the fast reader)`);
const js11 = results.find((r) => r.name === 'js-yaml 5, YAML 1.1 schema')!.ms;
const more = ((js11 - fast) / fast) * 100;
console.log(
  `verdict: js-yaml with its YAML 1.1 schema (the API server's reading) takes ${Math.abs(more).toFixed(0)}% ${more >= 0 ? 'more' : 'less'} CPU than the fast reader at N=${n}; ` +
    `issue 11's rule deletes the hand reader when that is within 10%${Math.abs(more) <= 10 ? ' (it is)' : ' (it is not)'}. ` +
    'Kept: js-yaml accepts malformed streams the yaml library rejects, so it cannot be the fast path without a guard of its own (docs/benchmarks.md, One-off experiments)',
);
