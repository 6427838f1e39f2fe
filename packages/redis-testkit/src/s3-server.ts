/**
 * A REAL S3-compatible endpoint for the remote-backup tests: s3rver (npm, a root devDependency)
 * serving the S3 API from a folder of the sandbox, on 127.0.0.1 (a free port), with one bucket.
 * It runs as a sandbox Job (its own node process and process group), so `sandbox.cleanup()` (or
 * the Reaper, should the test process die) kills it, and its folder lives under the sandbox root.
 *
 * s3rver accepts only access key ids it knows: the server registers the one the test passes (the
 * value the harness's Secret stand-in gives the chart), so a chart that read the wrong Secret key
 * fails with InvalidAccessKeyId. It does NOT check signatures: a wrong secret access key passes.
 * These tests prove the protocol and the data, not authentication.
 *
 * `rcloneBinary()` finds Debian's rclone (the chart runs the official rclone image; the tests run
 * the chart's own script with this one) and throws naming tools/setup.sh when it is missing.
 * rclone fails against plain HTTP when AWS_CA_BUNDLE is set: sandbox processes never inherit it
 * (Sandbox.baseEnv), and `assertNoCaBundle` checks an env handed to a script.
 */
import { accessSync, constants, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Job } from './job.ts';
import { freeLocalPort } from './prometheus.ts';
import type { Sandbox } from './sandbox.ts';
import { WaitAborted, waitFor } from './wait-for.ts';

const OBJECT_SUFFIX = '._S3rver_object';

/** Absolute path of Debian's rclone; throws naming tools/setup.sh (tests fail, never skip). */
export function rcloneBinary(): string {
  const dirs = [...new Set([...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/bin', '/usr/local/bin', '/bin'])];
  for (const dir of dirs) {
    const file = path.join(dir, 'rclone');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  throw new Error(`redis-testkit: rclone is not installed (looked in ${dirs.join(', ')}); run \`bash tools/setup.sh\` from the repository root: it installs the Debian package rclone`);
}

/** Throws when an env for rclone carries AWS_CA_BUNDLE (rclone then fails even against plain HTTP). */
export function assertNoCaBundle(env: Readonly<Record<string, string | undefined>>): void {
  if (env.AWS_CA_BUNDLE !== undefined) throw new Error('redis-testkit: AWS_CA_BUNDLE is set in the env given to rclone: it fails with LoadCustomCABundleError against plain HTTP');
}

function s3rverModule(): { main: string; account: string } {
  const require = createRequire(import.meta.url);
  let main: string;
  try {
    main = require.resolve('s3rver');
  } catch {
    throw new Error('redis-testkit: the npm package s3rver is not installed: run `npm ci` from the repository root (it is a root devDependency)');
  }
  const account = path.join(path.dirname(main), 'models', 'account.js');
  if (!existsSync(account)) throw new Error(`redis-testkit: s3rver at ${main} has no models/account.js: the pinned s3rver 3.7.1 is expected`);
  return { main, account };
}

// Registers the access key, creates the bucket, serves; prints one line once it listens.
const LAUNCHER = `'use strict';
const S3rver = require(process.env.S3RVER_MAIN);
const Account = require(process.env.S3RVER_ACCOUNT);
Account.DUMMY_ACCOUNT.createKeyPair(process.env.S3_ACCESS_KEY_ID, process.env.S3_SECRET_ACCESS_KEY);
const server = new S3rver({ address: '127.0.0.1', port: Number(process.env.S3_PORT), directory: process.env.S3_DIR, silent: false, configureBuckets: [{ name: process.env.S3_BUCKET, configs: [] }] });
server.run().then((a) => console.log('s3rver listening on ' + a.address + ':' + a.port), (e) => { console.error(e); process.exit(1); });
`;

export interface S3ServerOptions {
  readonly bucket: string;
  /** The access key id the server accepts (what the chart's Secret stand-in holds). */
  readonly accessKeyId: string;
  /** Registered with the key id; not checked by s3rver. @default 'unchecked' */
  readonly secretAccessKey?: string;
  /** @default 30000 */
  readonly startTimeoutMs?: number;
}

/** One stored object: its key and size. */
export interface S3Object {
  readonly key: string;
  readonly bytes: number;
}

export class S3Server {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  readonly bucket: string;
  /** s3rver's data folder (one folder per bucket). */
  readonly dir: string;
  readonly job: Job;

  private constructor(endpoint: string, bucket: string, dir: string, job: Job) {
    this.endpoint = endpoint;
    this.bucket = bucket;
    this.dir = dir;
    this.job = job;
  }

  static async start(sandbox: Sandbox, o: S3ServerOptions): Promise<S3Server> {
    const mod = s3rverModule();
    const dir = path.join(sandbox.root, 's3rver');
    mkdirSync(path.join(dir, 'data'), { recursive: true });
    const launcher = path.join(dir, 'launch.cjs');
    writeFileSync(launcher, LAUNCHER);
    const port = await freeLocalPort();
    const job = sandbox.startJob('s3rver', process.execPath, {
      args: [launcher],
      cwd: dir,
      env: {
        S3RVER_MAIN: mod.main,
        S3RVER_ACCOUNT: mod.account,
        S3_ACCESS_KEY_ID: o.accessKeyId,
        S3_SECRET_ACCESS_KEY: o.secretAccessKey ?? 'unchecked',
        S3_PORT: String(port),
        S3_DIR: path.join(dir, 'data'),
        S3_BUCKET: o.bucket,
      },
    });
    const server = new S3Server(`http://127.0.0.1:${port}`, o.bucket, path.join(dir, 'data'), job);
    await waitFor(
      `s3rver to listen on 127.0.0.1:${port}`,
      () => {
        if (!job.running) throw new WaitAborted(`s3rver exited:\n${job.describe(30)}`);
        const up = job.lines().some((l) => l.includes(`s3rver listening on 127.0.0.1:${port}`));
        return { done: up && existsSync(path.join(server.dir, o.bucket)), state: job.lines().at(-1) ?? '(no output yet)' };
      },
      { timeoutMs: o.startTimeoutMs ?? 30_000, intervalMs: 50, context: () => job.describe(30) },
    );
    return server;
  }

  /** Every object of the bucket under `prefix` (keys as S3 lists them), sorted by key. */
  objects(prefix = ''): S3Object[] {
    const root = path.join(this.dir, this.bucket);
    const out: S3Object[] = [];
    const walk = (dir: string, rel: string) => {
      if (!existsSync(dir)) return;
      for (const f of readdirSync(dir)) {
        const p = path.join(dir, f);
        if (statSync(p).isDirectory()) walk(p, `${rel}${f}/`);
        else if (f.endsWith(OBJECT_SUFFIX)) out.push({ key: `${rel}${f.slice(0, -OBJECT_SUFFIX.length)}`, bytes: statSync(p).size });
      }
    };
    walk(root, '');
    return out.filter((o) => o.key.startsWith(prefix)).sort((a, b) => a.key.localeCompare(b.key));
  }

  /** The file that holds an object's bytes (to damage it in a test). */
  objectFile(key: string): string {
    const file = path.join(this.dir, this.bucket, `${key}${OBJECT_SUFFIX}`);
    if (!existsSync(file)) throw new Error(`redis-testkit: no object ${key} in bucket ${this.bucket}`);
    return file;
  }

  /** Removes an object as a DELETE would (its bytes, checksum and metadata files). */
  deleteObject(key: string): void {
    const file = this.objectFile(key);
    for (const f of [file, `${file}.md5`, path.join(path.dirname(file), `${path.basename(key)}._S3rver_metadata.json`)]) rmSync(f, { force: true });
  }
}
