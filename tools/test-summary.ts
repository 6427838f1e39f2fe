/**
 * Adds up the jest results every test target wrote to .test-results/ (tools/jest-results-reporter.js)
 * and prints one closing line, `tests: N passed, N failed`, after the name and the head of the message
 * of each failed test. Exits 1 when a test failed or when no
 * test ran at all, so a silently empty suite cannot pass.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface JestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTotalTests: number;
  numFailedTestSuites: number;
  numRuntimeErrorTestSuites: number;
  /** Failed tests with the head of their message (absent in results written before it existed). */
  failures?: Array<{ file: string; test: string; message: string }>;
}

const dir = '.test-results';
const files = existsSync(dir)
  ? readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.json'))
      .sort()
  : [];
let passed = 0;
let failed = 0;
let skipped = 0;
let brokenSuites = 0;
const failures: string[] = [];
for (const f of files) {
  const r = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as JestJson;
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests;
  brokenSuites += r.numRuntimeErrorTestSuites;
  for (const x of r.failures ?? []) failures.push(`FAILED ${x.file} › ${x.test}\n${x.message.replace(/^/gm, '    ')}`);
  console.log(
    `  ${f.replace(/\.json$/, '').padEnd(32)} ${r.numPassedTests} passed, ${r.numFailedTests} failed${r.numRuntimeErrorTestSuites ? `, ${r.numRuntimeErrorTestSuites} suite(s) crashed` : ''}`,
  );
}
// The failures last but one, so the tail of a long log (what CI keeps) names them.
if (failures.length) console.log(`\n${failures.join('\n')}\n`);
console.log(`tests: ${passed} passed, ${failed + brokenSuites} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (files.length === 0 || passed === 0) {
  console.error('test-summary: no test results found; the suite ran no test');
  process.exit(1);
}
process.exit(failed + brokenSuites ? 1 : 0);
