/**
 * `npm test` logs are read in CI and in files: with output that is not a terminal, a test task run
 * the way tools/run.sh runs it (tools/log-env.sh, Nx streaming, jest) carries no ANSI escape codes
 * and no Node ExperimentalWarning notice. Runs one small real project (diagnostics) through Nx.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

it('a test task run under tools/log-env.sh and piped prints no colour codes and no ExperimentalWarning', () => {
  const { FORCE_COLOR: _force, NO_COLOR: _no, ...inherited } = process.env;
  const env = { ...inherited, PATH: `${path.join(REPO, 'node_modules/.bin')}:${process.env.PATH}`, NX_DAEMON: 'false', CI: 'true' };
  // The jest worker running this test has FORCE_COLOR-free output as well, but Nx would hand its
  // tasks colour if nothing said otherwise: only log-env.sh stands between them and the log.
  const log = execFileSync('bash', ['-c', '. tools/log-env.sh; nx run @redis-gitops/diagnostics:test --skip-nx-cache --outputStyle=stream 2>&1 | cat'], {
    cwd: REPO,
    env,
    maxBuffer: 16 << 20,
  }).toString();
  expect(log).toMatch(/Tests: +\d+ passed/);
  expect(log.split(String.fromCharCode(27)).length - 1).toBe(0); // ESC: the start of every ANSI code
  expect(log).not.toMatch(/ExperimentalWarning:/);
});
