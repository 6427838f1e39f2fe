/**
 * Evidence for CEL-LIBRARY.md (not a test): runs the same realistic policy expressions through
 * `@bufbuild/cel` and `@marcbachmann/cel-js`, probes the features the policies need, and measures
 * evaluations per second.
 * Run: node_modules/.bin/node packages/policy/bench/compare-cel.ts
 */
import * as buf from '@bufbuild/cel';
import { strings as bufStrings } from '@bufbuild/cel/ext';
import { Environment } from '@marcbachmann/cel-js';

/** A StatefulSet as the API server would hand it to CEL: integers are int (bigint), not double. */
const STATEFULSET = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'prod-redis-cluster', namespace: 'redis-prod', labels: { 'app.kubernetes.io/part-of': 'redis-gitops' } },
  spec: {
    replicas: 6n,
    template: {
      metadata: { labels: { 'app.kubernetes.io/component': 'redis' } },
      spec: {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        initContainers: [{ name: 'init', image: 'redis:7.4.2', resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } } }],
        containers: [
          {
            name: 'redis',
            image: 'redis:7.4.2',
            env: [
              { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'auth', key: 'redis-password' } } },
              { name: 'SHARDS', value: '3' },
            ],
            resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          },
          {
            name: 'exporter',
            image: 'oliver006/redis_exporter:v1.62.0',
            resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          },
        ],
      },
    },
  },
};

/** Expressions shaped like the real policies; both libraries get the same text. */
const WORKLOAD = [
  {
    name: 'resource-limits',
    expr: `object.spec.template.spec.containers.all(c, has(c.resources) && has(c.resources.requests) && has(c.resources.requests.cpu) && has(c.resources.requests.memory) && has(c.resources.limits) && has(c.resources.limits.memory))`,
  },
  {
    name: 'pod-security',
    expr: `object.spec.template.spec.containers.all(c, has(c.securityContext) && has(c.securityContext.allowPrivilegeEscalation) && c.securityContext.allowPrivilegeEscalation == false && has(c.securityContext.capabilities) && has(c.securityContext.capabilities.drop) && 'ALL' in c.securityContext.capabilities.drop)`,
  },
  {
    name: 'images-pinned',
    expr: `object.spec.template.spec.containers.all(c, c.image.contains('@sha256:') || c.image.matches('^[^@]+:[0-9]+[.][0-9]+([.][0-9]+)?([-_.][A-Za-z0-9]+)*$') && !c.image.endsWith(':latest'))`,
  },
  {
    name: 'auth-required (message)',
    expr: `object.spec.template.spec.containers.filter(c, c.name == 'redis').map(c, 'container "' + c.name + '" in StatefulSet ' + object.metadata.namespace + '/' + object.metadata.name + ' has ' + string(size(c.env)) + ' env vars').join(', ')`,
  },
];

type Probe = { feature: string; expr: string; want: unknown };
const PROBES: Probe[] = [
  { feature: 'nested maps/lists', expr: `object.spec.template.spec.containers[0].resources.limits.memory == '2Gi'`, want: true },
  { feature: 'has()', expr: `has(object.spec.template.spec.securityContext) && !has(object.spec.template.spec.hostNetwork)`, want: true },
  {
    feature: 'all / exists / exists_one',
    expr: `object.spec.template.spec.containers.all(c, c.name != '') && object.spec.template.spec.containers.exists(c, c.name == 'redis') && object.spec.template.spec.containers.exists_one(c, c.name == 'redis')`,
    want: true,
  },
  { feature: 'map / filter', expr: `object.spec.template.spec.containers.filter(c, c.name != 'redis').map(c, c.name) == ['exporter']`, want: true },
  {
    feature: 'startsWith endsWith contains matches size',
    expr: `'redis:7.4.2'.startsWith('redis') && 'redis:7.4.2'.endsWith('.2') && 'redis:7.4.2'.contains(':') && 'redis:7.4.2'.matches('^redis:[0-9.]+$') && size('abc') == 3 && 'abc'.size() == 3`,
    want: true,
  },
  {
    feature: 'strings ext (lowerAscii split join replace indexOf lastIndexOf trim)',
    expr: `'A,B'.lowerAscii().split(',').join('-').replace('-', '+') == 'a+b' && 'abcb'.indexOf('b') == 1 && 'abcb'.lastIndexOf('b') == 3 && ' x '.trim() == 'x'`,
    want: true,
  },
  { feature: 'optional ?. and orValue', expr: `object.spec.?template.?spec.?hostNetwork.orValue(false) == false`, want: true },
  { feature: 'optional hasValue / optional.of', expr: `object.spec.?template.hasValue() && optional.of(1).orValue(2) == 1`, want: true },
  { feature: 'int data vs double literal (CrossTypeNumeric)', expr: `object.spec.replicas > 1.5`, want: true },
  { feature: 'RE2 flags (?i)', expr: `'REDIS'.matches('(?i)^redis$')`, want: true },
];

const fmt = (v: unknown): string => {
  if (v instanceof Error) return `error: ${v.message.split('\n')[0]}`;
  if (typeof v === 'bigint') return `${v}`;
  if (buf.isCelList(v)) return `[${[...v].map(fmt).join(', ')}]`;
  return JSON.stringify(v);
};

// ---- @bufbuild/cel --------------------------------------------------------------------------
const bufEnv = buf.celEnv({
  funcs: [...bufStrings, buf.celFunc('quantity', [buf.CelScalar.STRING], buf.CelScalar.DYN, (s: string) => Number(s.replace(/Gi$/, '')) * 2 ** 30)],
});
function bufCompile(expr: string): (vars: Record<string, unknown>) => unknown {
  const program = buf.plan(bufEnv, buf.parse(expr));
  return (vars) => program(vars as never);
}
function bufRun(expr: string): unknown {
  try {
    const out = bufCompile(expr)({ object: STATEFULSET });
    return out;
  } catch (error) {
    return error;
  }
}

// ---- @marcbachmann/cel-js -------------------------------------------------------------------
class MarcQuantity {
  readonly v: number;
  constructor(v: number) {
    this.v = v;
  }
}
const marcEnv = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: true })
  .registerType('Quantity', MarcQuantity)
  .registerVariable('object', 'dyn')
  .registerFunction('quantity(string): Quantity', (s: string) => new MarcQuantity(Number(s.replace(/Gi$/, '')) * 2 ** 30))
  .registerFunction('Quantity.isGreaterThan(Quantity): bool', (a: MarcQuantity, b: MarcQuantity) => a.v > b.v)
  .registerFunction('string.replace(string, string): string', (s: string, from: string, to: string) => s.split(from).join(to));
function marcRun(expr: string): unknown {
  try {
    return marcEnv.evaluate(expr, { object: STATEFULSET });
  } catch (error) {
    return error;
  }
}

function same(got: unknown, want: unknown): boolean {
  return !(got instanceof Error) && fmt(got) === fmt(want);
}

console.log(`node ${process.versions.node}; @bufbuild/cel 0.6.1, @marcbachmann/cel-js 8.0.0\n`);
console.log('## Feature probes (same expression text in both)\n');
console.log('| feature | @bufbuild/cel | @marcbachmann/cel-js |');
console.log('|---|---|---|');
for (const p of PROBES) {
  const b = bufRun(p.expr);
  const m = marcRun(p.expr);
  const cell = (v: unknown): string => (same(v, p.want) ? 'yes' : `no (${fmt(v).slice(0, 70)})`);
  console.log(`| ${p.feature} | ${cell(b)} | ${cell(m)} |`);
}

console.log('\n## Compile-time rejection (would the API server reject it at policy creation?)\n');
const REJECT = [
  { what: 'typo in a function name', expr: `quantiy('1Gi')` },
  { what: 'typo in a top-level variable', expr: `objct.spec.replicas > 1` },
  { what: 'unknown method on a custom type', expr: `quantity('1Gi').isGreatrThan(quantity('1Gi'))` },
  { what: 'wrong argument type', expr: `'abc'.startsWith(1)` },
  { what: 'mixed-type list literal', expr: `[1, 'a'].size() > 0` },
  { what: 'syntax error', expr: `object.spec.replicas >` },
];
console.log('| mistake | @bufbuild/cel (parse + plan, before any data) | @marcbachmann/cel-js (env.check) |');
console.log('|---|---|---|');
for (const r of REJECT) {
  let b: string;
  try {
    const program = bufCompile(r.expr);
    const out = program({ object: STATEFULSET });
    b = `accepted; evaluating it gives ${buf.isCelError(out) ? `error "${out.message}"` : fmt(out)}`;
  } catch (error) {
    b = `rejected: ${(error as Error).message.split('\n')[0]}`;
  }
  const c = marcEnv.check(r.expr);
  const m = c.valid ? 'accepted' : `rejected at ${c.error?.range?.start ?? '?'}: ${c.error?.message.split('\n')[0]}`;
  console.log(`| ${r.what} | ${b} | ${m} |`);
}

console.log('\n## Runtime error messages (missing field)\n');
const missing = `object.spec.template.spec.nodeName == 'x'`;
console.log(`- @bufbuild/cel: ${fmt(bufRun(missing))}`);
console.log(`- @marcbachmann/cel-js: ${fmt(marcRun(missing))}`);

console.log('\n## Speed: compiled once, evaluated repeatedly over one StatefulSet\n');
function measure(fn: () => unknown, ms = 400): number {
  for (let i = 0; i < 2000; i++) fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 500; i++) fn();
    n += 500;
    now = performance.now();
  }
  return (n / (now - start)) * 1000;
}
function compileRate(compile: (e: string) => unknown, expr: string): number {
  return measure(() => compile(expr), 200);
}
console.log('| expression | @bufbuild/cel evals/s | @marcbachmann/cel-js evals/s | bufbuild compiles/s | marcbachmann compiles (parse+check)/s |');
console.log('|---|---|---|---|---|');
for (const w of WORKLOAD) {
  const bp = bufCompile(w.expr);
  const mp = marcEnv.parse(w.expr);
  const bOut = bp({ object: STATEFULSET });
  const mOut = mp({ object: STATEFULSET });
  if (fmt(bOut) !== fmt(mOut)) console.log(`  (results differ for ${w.name}: ${fmt(bOut)} vs ${fmt(mOut)})`);
  const be = measure(() => bp({ object: STATEFULSET }));
  const me = measure(() => mp({ object: STATEFULSET }));
  const bc = compileRate(bufCompile, w.expr);
  const mc = compileRate((e) => marcEnv.parse(e).check(), w.expr);
  const r = (x: number): string => Math.round(x).toLocaleString('en');
  console.log(`| ${w.name} | ${r(be)} | ${r(me)} | ${r(bc)} | ${r(mc)} |`);
}
