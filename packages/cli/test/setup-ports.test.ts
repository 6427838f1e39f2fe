/**
 * tools/setup/ports.sh: setup warns about a server that could answer in place of the tests' own
 * (wildcard or 127.0.0.1 listeners on the tests' ports), once per port, and stays quiet about the
 * tests' own Redis processes on other 127.x.y.z addresses. `ss` is replaced by a script that prints
 * a given listener table, so the test needs no real listeners.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../tools/setup/ports.sh');
let bin: string;
beforeAll(() => (bin = mkdtempSync(path.join(os.tmpdir(), 'fake-ss-'))));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

/** stderr of check_ports PORTS with `ss -Hltn` answering `table` (filtered by port as ss would). */
function check(table: string[], ports: number[]): string {
  writeFileSync(path.join(bin, 'table'), `${table.join('\n')}\n`);
  writeFileSync(path.join(bin, 'ss'), `#!/usr/bin/env bash\nport="\${@: -1}"; port="\${port##*:}"\ngrep -E ":$port\\\\b" "${path.join(bin, 'table')}" || true\n`);
  chmodSync(path.join(bin, 'ss'), 0o755);
  return execFileSync('bash', ['-c', `. "${SCRIPT}"; check_ports ${ports.join(' ')} 2>&1 >/dev/null`], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } }).toString();
}

const row = (addr: string) => `LISTEN 0      511    ${addr}      0.0.0.0:*`;

describe('setup port check', () => {
  it('is silent about the tests own Redis pods on 127.x.y.z, however many there are', () => {
    const pods = Array.from({ length: 30 }, (_, i) => row(`127.${10 + i}.0.${2 + (i % 6)}:6379`));
    expect(check(pods, [6379, 26379])).toBe('');
  });

  it('warns once per port about wildcard and 127.0.0.1 listeners, naming the addresses', () => {
    const out = check([row('0.0.0.0:6379'), row('[::]:6379'), row('127.0.0.1:26379'), row('127.44.0.2:6379')], [6379, 26379, 9090]);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^setup: warning: port 6379 is taken on 0\.0\.0\.0:6379 \[::\]:6379: /);
    expect(lines[1]).toMatch(/^setup: warning: port 26379 is taken on 127\.0\.0\.1:26379: /);
  });
});
