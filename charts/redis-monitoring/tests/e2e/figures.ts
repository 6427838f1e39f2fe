/**
 * Prints the monitoring chart README's end-to-end figures, measured by a real run of the e2e tests:
 *
 *   node charts/redis-monitoring/tests/e2e/figures.ts [--write-doc] [--only <pattern>] [--help]
 *   npm run figures:monitoring -- [options]
 *
 * Runs `jest -c charts/redis-monitoring/tests/jest.config.js e2e` with MONITORING_FIGURES_JSONL set
 * to a temporary file (every e2e file appends its structured figures there through lib/figures.ts),
 * streams the progress lines to stderr, and prints Markdown to stdout (lib/figures-markdown.ts):
 * seconds from incident to firing and from repair to resolution per alert, dashboard panels
 * checked / with data, and the no-false-alarm windows. With --write-doc the same Markdown replaces
 * the `e2e-figures` region of charts/redis-monitoring/README.md (atomically, and only when every
 * test passed).
 *
 * Exit codes: 0 every test passed; 1 a test failed (what was measured is still printed, the README
 * is left alone); 2 bad usage.
 */
import { spawn, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkRegion, writeRegion } from '../../../../tools/bench/doc-region.ts';
import { describeMachine, loadAverage } from '../../../../tools/bench/machine.ts';
import { FIGURES_ENV } from './lib/figures.ts';
import { E2E_FIGURES_MARKERS, FIGURES_SCRIPT as SCRIPT, figuresMarkdown, type FileResult, parseFigures, README } from './lib/figures-markdown.ts';
import { EVALUATION_INTERVAL, SCRAPE_INTERVAL, SHORT_FOR } from './lib/monitored-release.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const JEST_CONFIG = 'charts/redis-monitoring/tests/jest.config.js';

export const USAGE = `usage: node ${SCRIPT} [--write-doc] [--only <pattern>] [--help]

Runs the monitoring end-to-end tests (jest -c ${JEST_CONFIG} e2e)
and prints their figures as Markdown on stdout; progress goes to stderr.

  --write-doc        also replace the e2e-figures region of ${README}
                     (only when every test passed)
  --only <pattern>   run only the e2e files whose path matches; repeat it or separate
                     patterns by commas (e.g. --only cluster-alerts,memory-growth)
  -h, --help         this text

Exit codes: 0 every test passed, 1 a test failed (the figures measured are still printed),
2 bad usage.`;

export class UsageError extends Error {}

export interface FiguresOptions {
  readonly writeDoc: boolean;
  readonly only: readonly string[];
  readonly help: boolean;
}

export function parseOptions(argv: readonly string[]): FiguresOptions {
  let writeDoc = false;
  let help = false;
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--write-doc') writeDoc = true;
    else if (arg === '-h' || arg === '--help') help = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      const parts = (value ?? '').split(',').filter(Boolean);
      if (!parts.length) throw new UsageError('--only needs a pattern (an e2e file name or part of it)');
      for (const p of parts) {
        try {
          new RegExp(p);
        } catch {
          throw new UsageError(`--only ${p}: not a valid regular expression`);
        }
      }
      only.push(...parts);
    } else throw new UsageError(`unknown argument ${arg}`);
  }
  return { writeDoc, only, help };
}

/** The jest test path pattern: every e2e file, or the e2e files matching one of `only`. */
export const testPathPattern = (only: readonly string[]): string => (only.length ? `e2e/.*(${only.join('|')})` : 'e2e/');

/** The command that reproduces this run, as the README names it. */
export const commandLine = (o: FiguresOptions): string => `node ${SCRIPT}${o.only.length ? ` --only ${o.only.join(',')}` : ''}${o.writeDoc ? ' --write-doc' : ''}`;

const log = (line: string) => process.stderr.write(`figures: ${line}\n`);

/** The first line of `cmd --version` (stdout or stderr), or "not installed". */
function toolVersion(cmd: string, re: RegExp): string {
  try {
    const out = execFileSync(cmd, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    return re.exec(out)?.[1] ?? out.split('\n')[0]!.trim();
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; code?: string };
    const text = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    return re.exec(text)?.[1] ?? (e.code === 'ENOENT' ? 'not installed' : 'unknown');
  }
}

/** Progress worth streaming from jest's output: the figure lines, file results and the totals. */
const PROGRESS = /\[monitoring-e2e\]|^\s*(PASS|FAIL)\s|^\s*[✓✕○]|^Tests:|^Test Suites:|^Time:/;

interface JestRun {
  readonly code: number;
  readonly files: FileResult[];
  readonly logFile: string;
}

async function runJest(o: FiguresOptions, jsonl: string, dir: string): Promise<JestRun> {
  const resultsFile = path.join(dir, 'jest-results.json');
  const logFile = path.join(dir, 'jest.log');
  // --forceExit: once the results are written (every afterAll has run), a handle a failed test left
  // open must not keep the run waiting.
  const args = ['-c', JEST_CONFIG, '--json', `--outputFile=${resultsFile}`, '--forceExit', testPathPattern(o.only)];
  log(`jest ${args.join(' ')} (${FIGURES_ENV}=${jsonl}; full output in ${logFile})`);
  const out = createWriteStream(logFile);
  const child = spawn(path.join(REPO, 'node_modules', '.bin', 'jest'), args, {
    cwd: REPO,
    env: { ...process.env, [FIGURES_ENV]: jsonl, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --disable-warning=ExperimentalWarning`.trim(), FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const forward = (stream: NodeJS.ReadableStream) => {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      out.write(chunk);
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop()!;
      for (const l of lines) if (PROGRESS.test(l)) process.stderr.write(`  ${l.trim()}\n`);
    });
  };
  forward(child.stdout!);
  forward(child.stderr!);
  // Jest shows a file's console output only when the file ends: stream the figures as they are recorded.
  let seen = 0;
  const tail = setInterval(() => {
    const text = readFileSync(jsonl, 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    for (const line of complete.slice(seen).split('\n').filter(Boolean)) process.stderr.write(`  figure: ${line}\n`);
    seen = complete.length;
  }, 1000);
  const stop = () => child.kill('SIGINT');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const code = await new Promise<number>((resolve) => child.on('close', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  clearInterval(tail);
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  await new Promise((r) => out.end(r));
  let files: FileResult[] = [];
  if (existsSync(resultsFile)) {
    const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as { testResults: Array<{ name: string; status: string }> };
    files = results.testResults.map((r) => ({ file: path.basename(r.name), passed: r.status === 'passed' }));
  }
  return { code, files, logFile };
}

async function main(argv: readonly string[]): Promise<number> {
  let o: FiguresOptions;
  try {
    o = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const readme = path.join(REPO, README);
  if (o.writeDoc) checkRegion(readme, E2E_FIGURES_MARKERS); // Fail now, not after minutes of tests.

  const machine = await describeMachine();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'monitoring-figures-'));
  const jsonl = path.join(dir, 'figures.jsonl');
  writeFileSync(jsonl, '');
  const started = performance.now();
  let keep = false;
  try {
    const run = await runJest(o, jsonl, dir);
    const minutes = (performance.now() - started) / 60_000;
    const figures = parseFigures(readFileSync(jsonl, 'utf8'));
    const failed = run.code !== 0 || run.files.length === 0 || run.files.some((f) => !f.passed);
    const tools = `node ${machine.node}, redis ${machine.redis}, prometheus ${toolVersion('prometheus', /version (\S+)/)}, redis_exporter ${toolVersion('prometheus-redis-exporter', /Exporter (\S+)/)}`;
    const machineLine = `${machine.date.slice(0, 16).replace('T', ' ')} UTC, ${machine.nproc} cores, ${machine.memory}, ${machine.cpu}, ${machine.os}; ${tools}; load average ${machine.load} before, ${loadAverage()} after; the run took ${minutes.toFixed(1)} min`;
    const markdown = figuresMarkdown(figures, {
      command: commandLine({ ...o, writeDoc: false }),
      machine: machineLine,
      constants: { scrapeInterval: SCRAPE_INTERVAL, evaluationInterval: EVALUATION_INTERVAL, shortFor: SHORT_FOR },
      files: run.files,
    });
    process.stdout.write(markdown);
    if (failed) {
      keep = true;
      log(
        `jest exited ${run.code}${
          run.files.length
            ? `; failed: ${
                run.files
                  .filter((f) => !f.passed)
                  .map((f) => f.file)
                  .join(', ') || 'none reported'
              }`
            : '; no test file ran'
        }. Full output: ${run.logFile}`,
      );
      const tail = readFileSync(run.logFile, 'utf8').split('\n').slice(-60).join('\n');
      process.stderr.write(`${tail}\n`);
      if (o.writeDoc) log(`${README} left unchanged: a test failed`);
      return 1;
    }
    if (o.writeDoc) {
      writeRegion(readme, markdown, E2E_FIGURES_MARKERS);
      log(`wrote the figures into ${README}`);
    }
    return 0;
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
