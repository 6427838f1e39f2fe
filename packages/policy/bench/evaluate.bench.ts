/**
 * Micro-benchmark (not a test): how fast the offline evaluator loads the repository's policies and
 * checks rendered objects. Objects are the redis-cluster chart's production render (real helm) plus
 * every example object of policies/, repeated to reach the target count.
 * Run: node_modules/.bin/node packages/policy/bench/evaluate.bench.ts [objects]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifests, type RenderedObject } from '@redis-gitops/manifests';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const importStart = performance.now();
const { checkManifestSet, evaluate, loadPolicies } = await import('../src/index.ts');
const importMs = performance.now() - importStart;

const names = readdirSync(path.join(REPO, 'policies'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const files = names.map((n) => ({ path: `policies/${n}/${n}.yaml`, text: readFileSync(path.join(REPO, 'policies', n, `${n}.yaml`), 'utf8') }));

let t = performance.now();
const set = loadPolicies(files);
const loadMs = performance.now() - t;
const expressions = set.policies.reduce((n, p) => n + p.variables.length + p.matchConditions.length + p.validations.length + p.validations.filter((v) => v.messageExpression).length, 0);

const chart = path.join(REPO, 'charts/redis-cluster');
const render = execFileSync(path.join(REPO, '.tools/bin/helm'), ['template', 't', chart, '-f', path.join(chart, 'ci/production-values.yaml'), '-n', 'redis-prod'], { encoding: 'utf8' });
const examples = names.flatMap((n) =>
  ['allowed', 'denied'].flatMap((kind) => {
    const dir = path.join(REPO, 'policies', n, kind);
    return readdirSync(dir).map((f) => readFileSync(path.join(dir, f), 'utf8'));
  }),
);
const base: RenderedObject[] = [...parseManifests(render).objects, ...examples.flatMap((e) => parseManifests(e).objects)];
const target = Number(process.argv[2] ?? 5000);
const objects: RenderedObject[] = Array.from({ length: Math.ceil(target / base.length) }, () => base)
  .flat()
  .slice(0, target);
const ctx = { namespaceLabels: { 'kubernetes.io/metadata.name': 'redis-prod', 'redis-gitops.dev/tier': 'production' } };

// How many (policy, object) pairs pass matching, i.e. how many policy evaluations a pass performs.
const matchedPerPass = (() => {
  let n = 0;
  for (const p of set.policies) {
    const one = { policies: [p], bindings: [{ name: 'all', policyName: p.name, validationActions: ['Audit' as const], file: '', line: 0 }] };
    const probe = {
      ...one,
      policies: [{ ...p, validations: [{ index: 0, reason: 'Invalid', expression: { text: 'false', type: 'bool', evaluate: () => false } }], matchConditions: p.matchConditions }],
    };
    n += evaluate(probe, objects, ctx).length;
  }
  return n;
})();

const passes: number[] = [];
let results = 0;
for (let i = 0; i < 6; i++) {
  t = performance.now();
  results = evaluate(set, objects, ctx).length;
  passes.push(performance.now() - t);
}
const warm = [...passes.slice(1)].sort((a, b) => a - b)[Math.floor((passes.length - 1) / 2)]!;
// The clean case: only the chart's own render (no violation, so no message is built).
const chartObjects = parseManifests(render).objects;
const clean: RenderedObject[] = Array.from({ length: Math.ceil(target / chartObjects.length) }, () => chartObjects)
  .flat()
  .slice(0, target);
const cleanPasses: number[] = [];
for (let i = 0; i < 6; i++) {
  t = performance.now();
  evaluate(set, clean, ctx);
  cleanPasses.push(performance.now() - t);
}
const cleanWarm = [...cleanPasses.slice(1)].sort((a, b) => a - b)[Math.floor((cleanPasses.length - 1) / 2)]!;
const cleanMatched = evaluate({ policies: set.policies.filter((p) => p.name === 'backup-required'), bindings: set.bindings }, clean, ctx).length;

t = performance.now();
const manifestFindings = checkManifestSet(objects, { tier: 'production', namespace: 'redis-prod' }).length;
const manifestMs = performance.now() - t;

const rate = (n: number, ms: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en')}/s`;
console.log(
  `node ${process.versions.node}; ${set.policies.length} policies (${set.bindings.length} bindings, ${expressions} CEL expressions); ${objects.length} objects (${base.length} distinct, repeated)`,
);
console.log(`import (CEL library):          ${importMs.toFixed(0)} ms, once per process`);
console.log(`loadPolicies (compile all):    ${loadMs.toFixed(0)} ms`);
console.log(`evaluate, first pass:          ${passes[0]!.toFixed(0)} ms`);
console.log(
  `evaluate, warm (median of 5):  ${warm.toFixed(0)} ms  -> objects ${rate(objects.length, warm)}, policy evaluations ${rate(matchedPerPass, warm)} (${matchedPerPass} matched policy×object pairs), object×policy checks ${rate(objects.length * set.policies.length, warm)}`,
);
console.log(`results per pass:              ${results} (the denied examples fail many validations, so many messages are built)`);
console.log(
  `clean chart render, warm:      ${cleanWarm.toFixed(0)} ms for ${clean.length} objects (${chartObjects.length}-object render repeated; ${cleanMatched} backup-required denials) -> objects ${rate(clean.length, cleanWarm)}, object×policy checks ${rate(clean.length * set.policies.length, cleanWarm)}`,
);
console.log(`checkManifestSet:              ${manifestMs.toFixed(0)} ms for ${objects.length} objects (${manifestFindings} findings)`);
