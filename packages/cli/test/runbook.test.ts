/**
 * The generated RUNBOOK.md must point at objects that really exist: every `kubectl ... -l` selector
 * selects objects of the kind the command works on (pods, data and backup claims, StatefulSets,
 * CronJobs) in the environment as helm renders it, every container it names exists in them, the
 * Argo CD and Secret names are the generated ones, and the bucket it lists is the one the backup
 * Job uploads to.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RenderedObject } from '@redis-gitops/manifests';
import { labelSelectorFromString, matchesLabelSelector } from '@redis-gitops/policy';
import YAML from 'yaml';
import { makeFixture, REPO, type Fixture } from './workspace-fixture.ts';
import { findRoot, loadWorkspace } from '../src/io/workspace.ts';
import { plan, renderPlans } from '../src/pipeline.ts';

let fx: Fixture;
beforeAll(() => (fx = makeFixture()));
afterAll(() => fx.cleanup());

type Obj = Record<string, any>;

function podTemplates(objects: readonly RenderedObject[]): Obj[] {
  return objects.flatMap((o) => {
    const obj = o.object as Obj;
    if (o.kind === 'StatefulSet') return [obj.spec.template];
    if (o.kind === 'CronJob') return [obj.spec.jobTemplate.spec.template];
    return [];
  });
}

function selects(selector: string, labels: Record<string, string>): boolean {
  return matchesLabelSelector(labelSelectorFromString(selector), labels);
}

const ENVIRONMENTS = readdirSync(path.join(REPO, 'environments')).filter((e) => statSync(path.join(REPO, 'environments', e)).isDirectory());

/** The plan and the rendered objects of one environment of the fixture at `root`. */
async function renderEnvironment(root: string, env: string) {
  process.env.REDIS_GITOPS_ROOT = root;
  try {
    const plans = plan(loadWorkspace(findRoot(), [env]));
    const [render] = await renderPlans(findRoot(), plans, { concurrency: 2, check: false });
    const objects = render!.charts.flatMap((c) => c.objects);
    const runbook = plans[0]!.generated.files.find((f) => f.path.endsWith('RUNBOOK.md'))!.content;
    const apps = plans[0]!.generated.files.filter((f) => f.path.includes('/apps/')).map((f) => YAML.parse(f.content) as { name: string; project: string });
    return { objects, runbook, apps };
  } finally {
    delete process.env.REDIS_GITOPS_ROOT;
  }
}

/** What a `kubectl ... -l <selector>` of the runbook can select, by kind, with the labels the objects carry in the cluster. */
function selectable(objects: readonly RenderedObject[]): Record<string, { name: string; labels: Record<string, string>; pod?: Obj }[]> {
  const out: Record<string, { name: string; labels: Record<string, string>; pod?: Obj }[]> = { Pod: [], PersistentVolumeClaim: [], StatefulSet: [], CronJob: [], Service: [] };
  for (const o of objects) {
    const obj = o.object as Obj;
    if (!out[o.kind]) out[o.kind] = [];
    out[o.kind]!.push({ name: o.name, labels: obj.metadata.labels ?? {} });
    if (o.kind === 'StatefulSet') {
      out.Pod!.push({ name: `pod of ${o.name}`, labels: obj.spec.template.metadata.labels, pod: obj.spec.template });
      // The StatefulSet controller labels each claim with its template's labels plus the selector's.
      for (const t of obj.spec.volumeClaimTemplates ?? [])
        out.PersistentVolumeClaim!.push({ name: `${t.metadata.name}-${o.name}-<n>`, labels: { ...t.metadata.labels, ...obj.spec.selector.matchLabels } });
    }
    if (o.kind === 'Deployment' || o.kind === 'Job') out.Pod!.push({ name: `pod of ${o.name}`, labels: obj.spec.template.metadata.labels, pod: obj.spec.template });
    if (o.kind === 'CronJob') out.Pod!.push({ name: `pod of ${o.name}`, labels: obj.spec.jobTemplate.spec.template.metadata.labels, pod: obj.spec.jobTemplate.spec.template });
  }
  return out;
}

const KINDS: Record<string, string> = {
  pod: 'Pod',
  pods: 'Pod',
  pvc: 'PersistentVolumeClaim',
  statefulset: 'StatefulSet',
  sts: 'StatefulSet',
  cronjob: 'CronJob',
  service: 'Service',
  svc: 'Service',
};

/** Every `kubectl` command of the runbook with a label selector: the selector (shell variables resolved), the kinds it is meant to select, and its `-c` container. */
function kubectlSelections(runbook: string): { line: string; selector: string; kinds: string[]; container?: string }[] {
  const vars = new Map<string, string>();
  for (const m of runbook.matchAll(/^(?:export )?(\w+)='(app\.kubernetes\.io\/[^']*)'/gm)) vars.set(m[1]!, m[2]!);
  const out: { line: string; selector: string; kinds: string[]; container?: string }[] = [];
  for (const raw of runbook.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '');
    if (!/\bkubectl\b/.test(line) || !/ -l /.test(line)) continue;
    const sel = / -l (?:"\$(\w+)"|'([^']+)'|([^\s'"]+))/.exec(line)!;
    const selector = sel[1] ? vars.get(sel[1]) : (sel[2] ?? sel[3]);
    expect({ line, selector }).toEqual({ line, selector: expect.stringMatching(/^app\.kubernetes\.io\/instance=/) });
    // The kubectl the selector belongs to (the innermost one when a command substitutes another).
    const command = line.slice(line.lastIndexOf('kubectl', line.indexOf(' -l '))).split(/[|);]/)[0]!;
    const words = command.split(/\s+/).slice(1);
    while (words[0] === '-n') words.splice(0, 2);
    const verb = words[0]!;
    let kinds: string[];
    if (verb === 'logs') kinds = ['Pod'];
    else if (verb === 'wait') kinds = [KINDS[words.find((w, k) => k > 0 && !w.startsWith('-'))!]!];
    else kinds = words[1]!.split(',').map((k) => KINDS[k]!);
    expect({ line, kinds }).toEqual({ line, kinds: kinds.map(() => expect.any(String)) });
    out.push({ line, selector: selector!, kinds, container: / -c (\w+)/.exec(command)?.[1] });
  }
  return out;
}

function containersOf(pod: Obj): string[] {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c: Obj) => c.name as string);
}

/** (Secret, key) of every secretKeyRef, and every Secret a rendered object refers to. */
function secretRefs(objects: readonly RenderedObject[]): { keys: Set<string>; names: Set<string> } {
  const keys = new Set<string>();
  const names = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Obj;
      if (o.secretKeyRef) {
        keys.add(`${o.secretKeyRef.name}/${o.secretKeyRef.key}`);
        names.add(o.secretKeyRef.name);
      }
      if (typeof o.secretName === 'string') names.add(o.secretName);
      if (o.secret?.secretName) names.add(o.secret.secretName);
      Object.values(o).forEach(walk);
    }
  };
  for (const o of objects) walk(o.object);
  return { keys, names };
}

/** The `upload` container of the rendered backup CronJob (the bucket the chart really writes to), or undefined. */
function uploadEnv(objects: readonly RenderedObject[]): Record<string, string> | undefined {
  for (const o of objects.filter((x) => x.kind === 'CronJob')) {
    const c = ((o.object as Obj).spec.jobTemplate.spec.template.spec.containers as Obj[]).find((x) => x.name === 'upload');
    if (c) return Object.fromEntries((c.env as Obj[]).filter((e) => 'value' in e).map((e) => [e.name, e.value]));
  }
  return undefined;
}

/**
 * Lines of the runbook's alert sections that may select nothing: the section of an alert whose
 * rendered rule watches the Jobs of a CronJob this environment does not render (the drill alert
 * without backup.drill), an alert that by design stays quiet here.
 */
function quietAlertLines(runbook: string, objects: readonly RenderedObject[]): Set<string> {
  const cronJobs = new Set(objects.filter((o) => o.kind === 'CronJob').map((o) => o.name));
  const quietAlerts = new Set<string>();
  for (const o of objects.filter((x) => x.kind === 'PrometheusRule'))
    for (const g of (o.object as Obj).spec.groups)
      for (const r of g.rules) {
        const owners = [...String(r.expr).matchAll(/owner_kind="CronJob",owner_name="([^"]+)"/g)].map((m) => m[1]!);
        if (owners.length > 0 && owners.every((n) => !cronJobs.has(n))) quietAlerts.add(r.alert);
      }
  const out = new Set<string>();
  for (const a of quietAlerts) {
    const section = new RegExp(`^### ${a}\\n([\\s\\S]*?)(?=^##)`, 'm').exec(runbook)?.[1] ?? '';
    for (const l of section.split('\n')) out.add(l.replace(/\s+#.*$/, ''));
  }
  return out;
}

/** "scale statefulset -l" (restore in place) stops every StatefulSet of the environment, the Sentinels' included. */
function expectScaleStopsEveryStatefulSet(runbook: string, objects: readonly RenderedObject[]): void {
  const scale = /scale statefulset -l (\S+)/.exec(runbook);
  if (!scale) return;
  const sets = objects.filter((o) => o.kind === 'StatefulSet');
  expect(sets.length).toBeGreaterThan(0);
  expect(sets.filter((o) => !selects(scale[1]!, (o.object as Obj).metadata.labels)).map((o) => o.name)).toEqual([]);
}

describe.each(ENVIRONMENTS)('RUNBOOK.md of %s', (env) => {
  it('uses selectors, containers and names that exist in the rendered objects', async () => {
    const { objects, runbook, apps } = await renderEnvironment(fx.root, env);
    expect(runbook).toBe(readFileSync(fx.file(`environments/${env}/generated/RUNBOOK.md`), 'utf8'));
    const byKind = selectable(objects);
    const pods = podTemplates(objects);
    const selections = kubectlSelections(runbook);
    expect(selections.length).toBeGreaterThanOrEqual(8);
    const quiet = quietAlertLines(runbook, objects);
    for (const { line, selector, kinds, container } of selections) {
      for (const kind of kinds) {
        const matched = (byKind[kind] ?? []).filter((o) => selects(selector, o.labels));
        if (matched.length === 0 && quiet.has(line)) continue;
        expect({ line, kind, matched: matched.length > 0 }).toEqual({ line, kind, matched: true });
        if (container && kind === 'Pod') {
          // `logs -l ... -c X`: every selected pod has the container (kubectl fails on a pod without it).
          for (const m of matched) expect({ line, pod: m.name, containers: containersOf(m.pod!) }).toEqual({ line, pod: m.name, containers: expect.arrayContaining([container]) });
        }
      }
    }
    // The data volumes the procedures delete by "$SEL" are the StatefulSets' claims, never the backup volume.
    const sel = /^export SEL='([^']+)'/m.exec(runbook)![1]!;
    const claims = byKind.PersistentVolumeClaim!.filter((o) => selects(sel, o.labels));
    expect(claims.map((c) => c.name)).toEqual(claims.filter((c) => c.name.startsWith('data-')).map((c) => c.name));
    expectScaleStopsEveryStatefulSet(runbook, objects);
    for (const m of runbook.matchAll(/exec "\$(\w+)" -c (\w+)/g)) {
      const container = m[2]!;
      expect({ container, exists: pods.some((p) => p.spec.containers.some((c: Obj) => c.name === container)) }).toEqual({ container, exists: true });
    }
    // Argo CD names: the Applications and their project, as generated.
    const appNames = apps.map((a) => a.name);
    for (const m of runbook.matchAll(/argocd app (?:sync|diff) (\S+)/g)) expect(appNames).toContain(m[1]);
    for (const m of runbook.matchAll(/--applications (\S+)/g)) expect(m[1]!.split(',').sort()).toEqual([...appNames].sort());
    for (const m of runbook.matchAll(/argocd proj windows \w+ (\S+)/g)) expect(m[1]).toBe(apps[0]!.project);
    // Secrets: the (name, key) pairs the runbook reads, and the ones it copies, are the chart's.
    const refs = secretRefs(objects);
    for (const m of runbook.matchAll(/get secret ([\w-]+) -o jsonpath='\{\.data\.([\w-]+)\}'/g)) expect(refs.keys).toContain(`${m[1]}/${m[2]}`);
    for (const m of runbook.matchAll(/for s in ([\w -]+); do\n\s+kubectl -n \$NS get secret \$s/g)) for (const s of m[1]!.trim().split(/\s+/)) expect(refs.names).toContain(s);
  });

  it('has the bucket procedures exactly when the backup Job uploads, with the bucket and prefix the chart uses', async () => {
    const { objects, runbook } = await renderEnvironment(fx.root, env);
    const upload = uploadEnv(objects);
    const bucketLines = runbook.split('\n').filter((l) => /RCLONE_CONFIG_|rclone |s3:\/\/|source: remote/.test(l));
    if (!upload) {
      expect(bucketLines).toEqual([]);
      return;
    }
    expect(runbook).toContain('### List the sets');
    const where = `${upload.REMOTE_BUCKET}/${upload.REMOTE_PREFIX}`;
    expect(runbook).toContain(`s3://${where}/`);
    expect(runbook).toContain(`RCLONE_CONFIG_BUCKET_ENDPOINT='${upload.RCLONE_CONFIG_BUCKET_ENDPOINT}'`);
    expect(runbook).toContain(`RCLONE_CONFIG_BUCKET_REGION='${upload.RCLONE_CONFIG_BUCKET_REGION}'`);
    expect(runbook).toContain(`RCLONE_CONFIG_BUCKET_FORCE_PATH_STYLE=${upload.RCLONE_CONFIG_BUCKET_FORCE_PATH_STYLE}`);
    for (const k of ['TYPE', 'PROVIDER', 'ENV_AUTH'] as const) expect(runbook).toMatch(new RegExp(`RCLONE_CONFIG_BUCKET_${k}=${upload[`RCLONE_CONFIG_BUCKET_${k}`]}\\b`));
    const crypt = objects.some((o) => o.kind === 'CronJob' && JSON.stringify(o.object).includes('"REMOTE_CRYPT_PASSWORD"'));
    if (crypt) expect(runbook).toContain(`RCLONE_CONFIG_CRYPT_REMOTE='bucket:${where}'`);
    else expect(runbook).toContain(`R='bucket:${where}/'`);
    expect(runbook).toContain(`purge 'bucket:${where}'`);
    expect(runbook).toMatch(new RegExp(`prefix: ${upload.REMOTE_PREFIX} `));
  });
});

describe.each([
  ['prod-x86', 'remote', ''],
  ['edge-pi4', 'volume', ''],
  ['sessions-sentinel', 'volume', '  backup:\n    enabled: true\n'],
])('RUNBOOK.md of %s, while spec.restore is set', (env, source, extra) => {
  let rfx: Fixture;
  beforeAll(() => (rfx = makeFixture()));
  afterAll(() => rfx.cleanup());

  it(`names the init containers a restore from the ${source} adds`, async () => {
    const file = rfx.file(`environments/${env}/environment.yaml`);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^spec:\n/m, `spec:\n${extra}  restore:\n    fromSet: 20261202T021700Z\n    source: ${source}\n`));
    const { objects, runbook } = await renderEnvironment(rfx.root, env);
    const redis = podTemplates(objects).filter((p) => selects(/^export SEL='([^']+)'/m.exec(runbook)![1]!, p.metadata.labels));
    expect(redis.length).toBeGreaterThan(0);
    // `kubectl logs "$p" -c <container>` over the Redis pods.
    const named = [...runbook.matchAll(/logs "\$p" -c (\w+)/g)].map((m) => m[1]!);
    expect(named).toContain('restore');
    for (const c of named) for (const p of redis) expect(containersOf(p)).toContain(c);
    // The sentence on what the pods do names `fetch` exactly when the chart adds it.
    expect(/`fetch` downloads the set/.test(runbook)).toBe(redis.some((p) => containersOf(p).includes('fetch')));
    expect(runbook).toContain(`source: ${source}\n`);
    expect(runbook).toContain('scale statefulset -l');
    expectScaleStopsEveryStatefulSet(runbook, objects);
  });
});

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes; repeats get -1, -2, ... */
function anchors(markdown: string): string[] {
  const seen = new Map<string, number>();
  const out: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.push(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

describe.each(ENVIRONMENTS)('RUNBOOK.md of %s and its alerts', (env) => {
  it('has a section (#<alert name in lower case>) for every alert the rendered PrometheusRule contains', async () => {
    process.env.REDIS_GITOPS_ROOT = fx.root;
    try {
      const root = findRoot();
      const plans = plan(loadWorkspace(root, [env]));
      const [render] = await renderPlans(root, plans, { concurrency: 2, check: false });
      const rules = render!.charts.flatMap((c) => c.objects).filter((o) => o.kind === 'PrometheusRule');
      const alerts = rules.flatMap((o) => (o.object as Obj).spec.groups.flatMap((g: Obj) => g.rules.map((r: Obj) => r.alert as string)));
      const runbook = readFileSync(fx.file(`environments/${env}/generated/RUNBOOK.md`), 'utf8');
      const found = new Set(anchors(runbook));
      if (rules.length === 0) return; // alerts off for this environment
      expect(alerts.length).toBeGreaterThan(5);
      expect(alerts.filter((a) => !found.has(a.toLowerCase()))).toEqual([]);
      // Each section says what to run: a shell block right after its heading.
      for (const a of alerts) expect(runbook).toMatch(new RegExp(`### ${a}\\n\\n[^\\n]+\\n\\n\`\`\`sh\\n[^\`]+\`\`\``));
    } finally {
      delete process.env.REDIS_GITOPS_ROOT;
    }
  });
});
