/**
 * The alert rules with the real promtool (Debian `prometheus` package):
 * 1. `promtool check rules` on the rule file of every ci/ scenario (the PrometheusRule's `spec`),
 *    and on the PromQL of every dashboard query (as recording rules), so both parse as Prometheus
 *    itself parses them;
 * 2. `promtool test rules`: every alert fires on the inputs it is meant for and stays quiet on the
 *    others (see lib/alert-cases.ts).
 */
import { dashboardFiles, dashboardQueries, expandGrafanaVariables } from '@redis-gitops/dashboards';
import YAML from 'yaml';
import { ALERT_CASES, promtoolTest, TARGET, type Mode } from './lib/alert-cases.ts';
import { alertRules, render, ruleFile, scenario, SCENARIOS } from './lib/chart.ts';
import { requireTool, run, withTempDir, writeFiles } from './lib/tools.ts';

const PROMTOOL = requireTool('promtool');

/** The chart rendered for the unit tests: release rc in namespace redis, 3 shards (cluster) or 1 master (sentinel), 1 replica each, backups on (max age 1h), the master endpoint on (sentinel). */
async function unitTestRules(mode: Mode): Promise<string> {
  const objs = await render(
    [
      '--set',
      `target.chart=redis-${mode}`,
      '--set',
      'target.shards=3',
      '--set',
      'target.replicasPerShard=1',
      '--set',
      'target.backup=true',
      '--set',
      'target.masterEndpoint=true',
      '--set',
      'alerts.thresholds.backupMaxAgeHours=1',
    ],
    TARGET.release,
  );
  const spec = ruleFile(objs);
  for (const g of spec.groups) for (const r of g.rules) r.annotations = { summary: r.annotations.summary };
  return YAML.stringify(spec, { lineWidth: 0 });
}

const timings: Array<{ what: string; ms: number }> = [];
afterAll(() => {
  const total = (prefix: string) =>
    timings
      .filter((t) => t.what.startsWith(prefix))
      .reduce((a, t) => a + t.ms, 0)
      .toFixed(0);
  const slowest = [...timings]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5)
    .map((t) => `${t.what}: ${t.ms.toFixed(0)} ms`);
  console.log(`promtool timings: ${timings.length} runs; check rules ${total('check')} ms, test rules ${total('test')} ms; slowest:\n  ${slowest.join('\n  ')}`);
});

describe('promtool check rules', () => {
  it.each(SCENARIOS)('accepts the rules rendered from ci/%s', async (f) => {
    const objs = await render(scenario(f));
    expect({ f, prometheusRules: objs.filter((o) => o.kind === 'PrometheusRule').length }).toEqual({ f, prometheusRules: 1 }); // every scenario alerts
    await withTempDir('check', async (dir) => {
      writeFiles(dir, { 'rules.yaml': YAML.stringify(ruleFile(objs), { lineWidth: 0 }) });
      const r = await run(PROMTOOL, ['check', 'rules', 'rules.yaml'], { cwd: dir });
      timings.push({ what: `check rules ${f}`, ms: r.ms });
      expect({ f, code: r.code, out: r.code ? r.output : '' }).toEqual({ f, code: 0, out: '' });
      expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
    });
  });

  it('accepts every dashboard query as PromQL (Grafana intervals expanded)', async () => {
    const queries = dashboardFiles().flatMap((d) => dashboardQueries(d.file, d.dashboard));
    expect(queries.length).toBeGreaterThan(30);
    const rules = { groups: [{ name: 'dashboards', rules: queries.map((q, i) => ({ record: `dashboard:query:${i}`, expr: expandGrafanaVariables(q.expr), labels: { where: q.where } })) }] };
    await withTempDir('dash', async (dir) => {
      writeFiles(dir, { 'dashboards.yaml': YAML.stringify(rules, { lineWidth: 0 }) });
      const r = await run(PROMTOOL, ['check', 'rules', 'dashboards.yaml'], { cwd: dir });
      timings.push({ what: `check ${queries.length} dashboard queries`, ms: r.ms });
      expect({ code: r.code, out: r.code ? r.output : '' }).toEqual({ code: 0, out: '' });
    });
  });
});

describe('promtool test rules', () => {
  const files: Partial<Record<Mode, string>> = {};
  beforeAll(async () => {
    files.cluster = await unitTestRules('cluster');
    files.sentinel = await unitTestRules('sentinel');
  });

  it('has a firing and a quiet case for every alert of both modes', async () => {
    for (const mode of ['cluster', 'sentinel'] as const) {
      const alerts = alertRules(await render(['--set', `target.chart=redis-${mode}`, '--set', 'target.backup=true', '--set', 'target.masterEndpoint=true'])).map((r) => r.alert);
      const covered = (fires: boolean) => new Set<string>(ALERT_CASES.filter((c) => (fires ? c.expect.length > 0 : c.expect.length === 0)).map((c) => c.alert));
      expect({ mode, untestedFiring: alerts.filter((a) => !covered(true).has(a)) }).toEqual({ mode, untestedFiring: [] });
      expect({ mode, untestedQuiet: alerts.filter((a) => !covered(false).has(a)) }).toEqual({ mode, untestedQuiet: [] });
    }
  });

  it.each(ALERT_CASES.map((c) => [`${c.alert} ${c.title} (${c.mode})`, c] as const))('%s', async (_name, c) => {
    await withTempDir('unit', async (dir) => {
      writeFiles(dir, { 'rules.yaml': files[c.mode]!, 'test.yaml': promtoolTest(c, 'rules.yaml') });
      const r = await run(PROMTOOL, ['test', 'rules', 'test.yaml'], { cwd: dir });
      timings.push({ what: `test ${c.alert} (${c.title})`, ms: r.ms });
      expect({ code: r.code, out: r.code ? `${r.output}\n--- test file ---\n${promtoolTest(c, 'rules.yaml')}` : '' }).toEqual({ code: 0, out: '' });
    });
  });
});
