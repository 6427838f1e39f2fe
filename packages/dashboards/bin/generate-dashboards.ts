/**
 * Writes the Grafana dashboards of the redis-monitoring chart from TypeScript:
 *
 *   node packages/dashboards/bin/generate-dashboards.ts           write charts/redis-monitoring/files/dashboards/*.json
 *   node packages/dashboards/bin/generate-dashboards.ts --check   write nothing; exit 1 listing stale, missing or extra files
 *
 * The JSON files are generated: never edit them (the tests fail when they differ from this output).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DASHBOARDS_DIR, dashboardFiles } from '../src/index.ts';

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
    console.log(`generate-dashboards: ${files.length} dashboards are up to date`);
    return 0;
  }
  console.log(stale.length ? `generate-dashboards: wrote ${stale.join(', ')}` : `generate-dashboards: ${files.length} dashboards already up to date`);
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
