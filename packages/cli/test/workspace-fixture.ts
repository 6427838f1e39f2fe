/** A throwaway copy of the workspace's environments/, charts/, policies/ and argocd/ for CLI tests, removed afterwards. */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/main.ts';
import type { Output } from '../src/output.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Fixture {
  readonly root: string;
  run(...argv: string[]): Promise<RunResult>;
  /** Every file under the fixture with its content, to prove a failed run changed nothing. */
  snapshot(): Map<string, string>;
  file(rel: string): string;
  cleanup(): void;
}

export function makeFixture(): Fixture {
  const root = mkdtempSync(path.join(os.tmpdir(), 'redis-gitops-cli-'));
  cpSync(path.join(REPO, 'environments'), path.join(root, 'environments'), { recursive: true });
  cpSync(path.join(REPO, 'charts'), path.join(root, 'charts'), { recursive: true, verbatimSymlinks: true });
  cpSync(path.join(REPO, 'policies'), path.join(root, 'policies'), { recursive: true });
  cpSync(path.join(REPO, 'argocd'), path.join(root, 'argocd'), { recursive: true });
  return {
    root,
    async run(...argv) {
      let stdout = '';
      let stderr = '';
      const out: Output = {
        stdout: (t) => {
          stdout += t;
        },
        stderr: (t) => {
          stderr += t;
        },
        progress: () => {},
        color: false,
      };
      const prev = process.env.REDIS_GITOPS_ROOT;
      process.env.REDIS_GITOPS_ROOT = root;
      try {
        const code = await main(argv, out);
        return { code, stdout, stderr };
      } finally {
        if (prev === undefined) delete process.env.REDIS_GITOPS_ROOT;
        else process.env.REDIS_GITOPS_ROOT = prev;
      }
    },
    snapshot() {
      const files = new Map<string, string>();
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const p = path.join(dir, name);
          let st: ReturnType<typeof statSync>;
          try {
            st = statSync(p);
          } catch {
            files.set(path.relative(root, p), '<broken link>');
            continue;
          }
          if (st.isDirectory()) walk(p);
          else files.set(path.relative(root, p), readFileSync(p, 'utf8'));
        }
      };
      walk(path.join(root, 'environments'));
      return files;
    },
    file: (rel) => path.join(root, rel),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
