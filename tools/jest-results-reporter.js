/**
 * Jest reporter that writes the run's totals to .test-results/<project root>[.<engine>].json, so
 * tools/test-summary.ts can print one closing line for the whole suite (cached Nx runs restore
 * these files as declared outputs).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const workspace = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function projectRoot(dir) {
  let d = dir;
  while (d.startsWith(workspace) && d !== workspace) {
    if (existsSync(path.join(d, 'package.json')) || existsSync(path.join(d, 'Chart.yaml'))) return path.relative(workspace, d);
    d = path.dirname(d);
  }
  return path.relative(workspace, dir);
}

/** The first lines of a failure message, without colour codes. */
function head(message, lines = 12) {
  return stripVTControlCharacters(String(message ?? ''))
    .split('\n')
    .slice(0, lines)
    .join('\n');
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
    // What failed, with the head of its message, so the closing summary (the end of a CI log) names it.
    const failures = [];
    for (const suite of r.testResults) {
      const testFile = path.relative(workspace, suite.testFilePath);
      if (suite.testExecError) failures.push({ file: testFile, test: '(the suite did not run)', message: head(suite.testExecError.message) });
      for (const t of suite.testResults) if (t.status === 'failed') failures.push({ file: testFile, test: t.fullName, message: head(t.failureMessages.join('\n')) });
    }
    // Where the time went: each file's wall time, and its slowest tests (the test command has a budget).
    const durations = r.testResults.map((suite) => ({
      file: path.relative(workspace, suite.testFilePath),
      seconds: Math.round((suite.perfStats.end - suite.perfStats.start) / 100) / 10,
      slowest: suite.testResults
        .filter((t) => typeof t.duration === 'number')
        .sort((a, b) => b.duration - a.duration)
        .slice(0, 3)
        .map((t) => ({ test: t.fullName, seconds: Math.round(t.duration / 100) / 10 })),
    }));
    writeFileSync(file, `${JSON.stringify({ numPassedTests, numFailedTests, numPendingTests, numTotalTests, numFailedTestSuites, numRuntimeErrorTestSuites, failures, durations })}\n`);
  }
}
