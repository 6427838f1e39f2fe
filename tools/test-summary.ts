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
  /** Each file's wall time and its slowest tests. */
  durations?: Array<{ file: string; seconds: number; slowest: Array<{ test: string; seconds: number }> }>;
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
const durations: Array<{ file: string; seconds: number; leg: string; slowest: Array<{ test: string; seconds: number }> }> = [];
for (const f of files) {
  const r = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as JestJson;
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests;
  brokenSuites += r.numRuntimeErrorTestSuites;
  const leg = f.replace(/\.json$/, '').split('.')[1] ?? '';
  for (const d of r.durations ?? []) durations.push({ ...d, leg });
  for (const x of r.failures ?? []) failures.push(`FAILED ${x.file} › ${x.test}\n${x.message.replace(/^/gm, '    ')}`);
  console.log(
    `  ${f.replace(/\.json$/, '').padEnd(32)} ${r.numPassedTests} passed, ${r.numFailedTests} failed${r.numRuntimeErrorTestSuites ? `, ${r.numRuntimeErrorTestSuites} suite(s) crashed` : ''}`,
  );
}
// The slowest files (wall time, beside the other files of their project), for whoever trims the test command.
const slow = durations.sort((a, b) => b.seconds - a.seconds).slice(0, 10);
if (slow.length) {
  console.log('\nslowest test files (wall seconds, run beside others):');
  for (const d of slow) {
    const tests = d.slowest.map((t) => `${t.seconds}s ${t.test.length > 70 ? `${t.test.slice(0, 69)}…` : t.test}`).join('; ');
    console.log(`  ${String(d.seconds).padStart(6)}  ${d.file}${d.leg ? ` (${d.leg})` : ''}\n          ${tests}`);
  }
}
// The failures last but one, so the tail of a long log (what CI keeps) names them.
if (failures.length) console.log(`\n${failures.join('\n')}\n`);
console.log(`tests: ${passed} passed, ${failed + brokenSuites} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (files.length === 0 || passed === 0) {
  console.error('test-summary: no test results found; the suite ran no test');
  process.exit(1);
}
process.exit(failed + brokenSuites ? 1 : 0);
