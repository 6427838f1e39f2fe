/** The GitHub workflows pass the workflow linter (action-validator, from npm), and it does catch mistakes. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './workspace-fixture.ts';

const run = promisify(execFile);
const BIN = path.join(REPO, 'node_modules/.bin/action-validator');
const WORKFLOWS = path.join(REPO, '.github/workflows');

async function lint(file: string): Promise<{ code: number; out: string }> {
  try {
    const r = await run(BIN, [file]);
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('GitHub workflows', () => {
  const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

  it('exist for pull requests and releases', () => {
    expect(files.sort()).toEqual(['pull-request.yml', 'release.yml']);
  });

  it.each(files)('%s passes action-validator', async (f) => {
    const r = await lint(path.join(WORKFLOWS, f));
    expect({ f, ...r }).toEqual({ f, code: 0, out: '' });
  });

  it('the linter rejects a broken workflow (so the checks above can fail)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'workflow-'));
    try {
      const bad = path.join(dir, 'bad.yml');
      writeFileSync(bad, 'name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    stepz:\n      - run: echo\n');
      const r = await lint(bad);
      expect(r.code).not.toBe(0);
      expect(r.out).toMatch(/stepz/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
