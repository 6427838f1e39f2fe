/**
 * Jest reporter that writes the run's totals to .test-results/<project root>[.<engine>].json, so
 * tools/test-summary.ts can print one closing line for the whole suite (cached Nx runs restore
 * these files as declared outputs).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const workspace = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function projectRoot(dir) {
  let d = dir;
  while (d.startsWith(workspace) && d !== workspace) {
    if (existsSync(path.join(d, 'package.json')) || existsSync(path.join(d, 'Chart.yaml'))) return path.relative(workspace, d);
    d = path.dirname(d);
  }
  return path.relative(workspace, dir);
}

export default class ResultsReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, r) {
    // A run on another engine than Redis (REDIS_TESTKIT_ENGINE, the Valkey matrix) has its own file.
    const engine = process.env.REDIS_TESTKIT_ENGINE && process.env.REDIS_TESTKIT_ENGINE !== 'redis' ? `.${process.env.REDIS_TESTKIT_ENGINE}` : '';
    const file = path.join(workspace, '.test-results', `${projectRoot(this.rootDir)}${engine}.json`);
    mkdirSync(path.dirname(file), { recursive: true });
    const { numPassedTests, numFailedTests, numPendingTests, numTotalTests, numFailedTestSuites, numRuntimeErrorTestSuites } = r;
    writeFileSync(file, `${JSON.stringify({ numPassedTests, numFailedTests, numPendingTests, numTotalTests, numFailedTestSuites, numRuntimeErrorTestSuites })}\n`);
  }
}
