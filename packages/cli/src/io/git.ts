/** Reads a past state of the repository: `git archive REF -- paths` unpacked into a folder. */
import { spawn } from 'node:child_process';

/** Unpacks `paths` as of `ref` into `dest`. Paths missing at `ref` are skipped. Throws on a bad ref. */
export async function checkoutPaths(root: string, ref: string, paths: readonly string[], dest: string): Promise<void> {
  const existing: string[] = [];
  for (const p of paths) {
    const r = await run('git', ['-C', root, 'cat-file', '-e', `${ref}:${p}`], root);
    if (r.code === 0) existing.push(p);
  }
  const verify = await run('git', ['-C', root, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], root);
  if (verify.code !== 0) throw new Error(`unknown git ref "${ref}"`);
  if (!existing.length) return;
  await new Promise<void>((resolve, reject) => {
    const git = spawn('git', ['-C', root, 'archive', '--format=tar', ref, '--', ...existing], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tar = spawn('tar', ['-x', '-C', dest], { stdio: ['pipe', 'ignore', 'pipe'] });
    git.stdout.pipe(tar.stdin);
    let err = '';
    git.stderr.on('data', (b: Buffer) => (err += b.toString()));
    tar.stderr.on('data', (b: Buffer) => (err += b.toString()));
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git archive ${ref} failed: ${err.trim()}`))));
  });
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout }));
  });
}
