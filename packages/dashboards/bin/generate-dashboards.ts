/**
 * Writes the Grafana dashboards and the alert rules of the redis-monitoring chart from TypeScript:
 *
 *   node packages/dashboards/bin/generate-dashboards.ts           write charts/redis-monitoring/files/dashboards/*.json
 *                                                                 and charts/redis-monitoring/templates/prometheusrule.yaml
 *   node packages/dashboards/bin/generate-dashboards.ts --check   write nothing; exit 1 listing stale, missing or extra files
 *
 * Both are generated: never edit them (the tests fail when they differ from this output).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALERTS_TABLE_END, ALERTS_TABLE_START, alertsTableMarkdown, DASHBOARDS_DIR, dashboardFiles, PROMETHEUS_RULE_TEMPLATE, prometheusRuleTemplate } from '../src/index.ts';

const README = 'charts/redis-monitoring/README.md';

/** The README with its alerts table (between the markers) replaced by the generated one. */
function readmeWithAlertsTable(readme: string): string {
  const start = readme.indexOf(ALERTS_TABLE_START.slice(0, ALERTS_TABLE_START.indexOf(' ')));
  const end = readme.indexOf(ALERTS_TABLE_END);
  if (start < 0 || end < start) throw new Error(`${README} has no alerts-table markers (${ALERTS_TABLE_END})`);
  return readme.slice(0, start) + alertsTableMarkdown() + readme.slice(end + ALERTS_TABLE_END.length);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const dir = path.join(root, DASHBOARDS_DIR);
  const files = dashboardFiles();
  const wanted = new Set(files.map((f) => f.file));
  const stale: string[] = [];
  for (const f of files) {
    const abs = path.join(dir, f.file);
    if (existsSync(abs) && readFileSync(abs, 'utf8') === f.content) continue;
    stale.push(`${DASHBOARDS_DIR}/${f.file}`);
    if (!check) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${abs}.tmp-${process.pid}`, f.content);
      renameSync(`${abs}.tmp-${process.pid}`, abs);
    }
  }
  const template = path.join(root, PROMETHEUS_RULE_TEMPLATE);
  const rules = prometheusRuleTemplate();
  if (!existsSync(template) || readFileSync(template, 'utf8') !== rules) {
    stale.push(PROMETHEUS_RULE_TEMPLATE);
    if (!check) {
      writeFileSync(`${template}.tmp-${process.pid}`, rules);
      renameSync(`${template}.tmp-${process.pid}`, template);
    }
  }
  const readmeFile = path.join(root, README);
  const readme = readFileSync(readmeFile, 'utf8');
  const wantedReadme = readmeWithAlertsTable(readme);
  if (readme !== wantedReadme) {
    stale.push(`${README} (alerts table)`);
    if (!check) {
      writeFileSync(`${readmeFile}.tmp-${process.pid}`, wantedReadme);
      renameSync(`${readmeFile}.tmp-${process.pid}`, readmeFile);
    }
  }
  const extra = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json') && !wanted.has(f)) : [];
  for (const f of extra) {
    stale.push(`${DASHBOARDS_DIR}/${f} (not generated any more)`);
    if (!check) rmSync(path.join(dir, f));
  }
  if (check) {
    if (stale.length) {
      console.error(`generate-dashboards: ${stale.length} file(s) are stale:\n${stale.map((s) => `  ${s}`).join('\n')}\nRun: node packages/dashboards/bin/generate-dashboards.ts`);
      return 1;
    }
    console.log(`generate-dashboards: ${files.length} dashboards and the PrometheusRule template and README alerts table are up to date`);
    return 0;
  }
  console.log(stale.length ? `generate-dashboards: wrote ${stale.join(', ')}` : `generate-dashboards: ${files.length} dashboards already up to date`);
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
