/**
 * Micro-benchmark (not a test): objects/second for parseManifests and checkObjects.
 * Run: node_modules/.bin/node packages/manifests/bench/check.bench.ts [objects]
 */
const importStart = performance.now();
const { checkObjects, parseManifests } = await import('../src/index.ts');
const importMs = performance.now() - importStart;
const { VALID_RENDER } = await import('../test/fixtures/valid-render.ts');

const target = Number(process.argv[2] ?? 3000);
const perRender = parseManifests(VALID_RENDER).objects.length;
const renders = Math.ceil(target / perRender);
const rate = (objects: number, ms: number): string => `${Math.round((objects / ms) * 1000).toLocaleString('en')} objects/s`;

let t = performance.now();
const parsed = Array.from({ length: renders }, (_, i) => parseManifests(VALID_RENDER, { environment: `env-${i}`, chart: 'redis-cluster' }).objects);
const parseMs = performance.now() - t;
const total = parsed.reduce((n, objects) => n + objects.length, 0);

// The first pass includes building the registry and probing each schema place once; later passes reuse both.
const passes: number[] = [];
for (let pass = 0; pass < 5; pass++) {
  t = performance.now();
  let findings = 0;
  for (const objects of parsed) findings += (await checkObjects(objects)).length;
  passes.push(performance.now() - t);
  if (findings !== 0) throw new Error(`expected a clean render, got ${findings} findings`);
}
const warm = [...passes.slice(1)].sort((a, b) => a - b)[Math.floor((passes.length - 1) / 2)]!;

console.log(`node ${process.versions.node}, ${total} objects in ${renders} renders of ${perRender}`);
console.log(`import (loads models):  ${importMs.toFixed(0)} ms, once per process`);
console.log(`parseManifests:        ${parseMs.toFixed(0)} ms  ${rate(total, parseMs)}`);
console.log(`checkObjects (cold):   ${passes[0]!.toFixed(0)} ms  ${rate(total, passes[0]!)}`);
console.log(`checkObjects (warm):   ${warm.toFixed(0)} ms  ${rate(total, warm)}  (median of ${passes.length - 1})`);
