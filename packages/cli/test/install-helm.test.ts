import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installHelm } from '../src/io/install-helm.ts';
import { HELM_PIN } from '../src/io/toolchain.ts';

let dir: string;
const lines: string[] = [];
const log = (l: string) => void lines.push(l);
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'install-helm-'));
  lines.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

describe('installHelm', () => {
  it('extracts the pinned helm, verifies it, and does nothing on a second run', async () => {
    const target = path.join(dir, 'bin', 'helm');
    expect(await installHelm({ target, log })).toBe('installed');
    expect(sha(target)).toBe(HELM_PIN.sha256);
    const entries = readdirSync(path.dirname(target)).length;
    expect(await installHelm({ target, log })).toBe('present');
    expect(readdirSync(path.dirname(target)).length).toBe(entries);
    expect(lines.at(-1)).toMatch(/already installed .* \(sha256 ok\)/);
  });

  it('replaces a corrupted binary', async () => {
    const target = path.join(dir, 'helm');
    writeFileSync(target, 'not helm');
    expect(await installHelm({ target, log })).toBe('installed');
    expect(sha(target)).toBe(HELM_PIN.sha256);
  });

  it('fails loudly on a checksum mismatch and leaves no binary behind', async () => {
    const target = path.join(dir, 'helm');
    await expect(installHelm({ target, log, pin: { ...HELM_PIN, sha256: '0'.repeat(64) } })).rejects.toThrow(/checksum mismatch .* expected 0{64}, got 210d576a/);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
