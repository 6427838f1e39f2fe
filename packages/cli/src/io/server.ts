/**
 * The CLI server: a long-lived redis-gitops process that keeps its modules loaded and compiled, so
 * a later `validate`, `render`, `diff` or `generate` does not pay Node's start-up, module loading
 * and JIT warm-up again. A one-environment validate is mostly that fixed cost (docs/benchmarks.md),
 * and it is what a pull-request loop (`nx affected -t validate`) runs over and over.
 *
 * How it is used, by the bin script (packages/cli/bin/redis-gitops.js):
 *  - `serverSetting`: on by default on a developer machine; off when CI is set (a CI job runs once,
 *    so a server would only cost its start) or when REDIS_GITOPS_SERVER=off. REDIS_GITOPS_SERVER=on
 *    turns it on in CI too.
 *  - `viaServer` (the client): sends the command line and working directory to the server and
 *    copies its output and exit code. When no server runs, it starts one in the background for the
 *    next run and returns undefined: this run is made in-process, as without a server. A busy
 *    server (one command at a time) also means in-process.
 *  - `runServer`: answers one command at a time with the same `main` the in-process path runs,
 *    and exits after REDIS_GITOPS_SERVER_IDLE_SECONDS (default 600) without a request.
 *
 * Never stale: the socket's name digests everything the answer depends on besides the request
 * itself: the CLI's code (every source file's size and modification time, the installed packages'
 * lockfile, Node's version, the helm binary) and the environment variables the CLI or helm read.
 * A change to any of them names another socket, so an old server is never asked again (it exits
 * when idle). The workspace's files (specs, charts, policies) are read on each request, as in a
 * fresh process; what the CLI keeps between requests is keyed by content or modification time.
 *
 * Private: the sockets live in a folder only this user may open (0700, owned by the user; the
 * client refuses any other). Only the CLI layer uses this module.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The commands a server answers: they read the workspace and print; nothing interactive. */
export const SERVED_COMMANDS: ReadonlySet<string> = new Set(['validate', 'render', 'diff', 'generate']);

/** The environment variables whose values name the server (they change what the CLI or helm does). */
const KEYED_ENV = /^(REDIS_GITOPS_(?!SERVER)|HELM_|GO|KUBE|XDG_|LC_)|^(PATH|HOME|NO_COLOR|TMPDIR|LANG|TZ)$/;

const CODE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const BIN = path.join(CODE_ROOT, 'packages', 'cli', 'bin', 'redis-gitops.js');

export type ServerSetting = 'on' | 'off';

/** Whether the CLI uses a server: REDIS_GITOPS_SERVER=on|off, else off under CI and on elsewhere. */
export function serverSetting(env: NodeJS.ProcessEnv = process.env): ServerSetting {
  const v = env.REDIS_GITOPS_SERVER;
  if (v === 'on' || v === 'off') return v;
  return env.CI && env.CI !== 'false' && env.CI !== '0' ? 'off' : 'on';
}

/** Files whose size and modification time name the server: the CLI's code and what runs it. */
function keyedFiles(codeRoot: string): string[] {
  const files: string[] = [];
  const packages = path.join(codeRoot, 'packages');
  for (const pkg of readdirSync(packages).sort()) {
    files.push(path.join(packages, pkg, 'package.json'));
    for (const sub of ['src', 'bin']) {
      const dir = path.join(packages, pkg, sub);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) files.push(path.join(dir, f));
    }
  }
  files.push(path.join(codeRoot, 'node_modules', '.package-lock.json'), path.join(codeRoot, '.tools', 'bin', 'helm'));
  return files;
}

/** The digest that names a server: code, Node, and the keyed environment. */
export function serverKey(env: NodeJS.ProcessEnv = process.env, codeRoot: string = CODE_ROOT): string {
  const h = createHash('sha256');
  h.update(`${process.execPath}\0${process.version}\0${codeRoot}\0`);
  for (const f of keyedFiles(codeRoot)) {
    try {
      const s = statSync(f);
      h.update(`${f}\0${s.size}\0${s.mtimeMs}\0`);
    } catch {
      h.update(`${f}\0-\0`);
    }
  }
  for (const k of Object.keys(env).sort()) if (KEYED_ENV.test(k)) h.update(`${k}=${env[k]}\0`);
  return h.digest('hex').slice(0, 24);
}

/** The user's private socket folder; refuses one that someone else owns or others may open. */
export function serverDir(): string {
  const uid = process.getuid?.() ?? 0;
  const dir = path.join(os.tmpdir(), `redis-gitops-${uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const s = lstatSync(dir);
  if (!s.isDirectory() || s.uid !== uid || (s.mode & 0o077) !== 0) {
    throw new Error(`${dir} is not a private folder of this user (mode ${(s.mode & 0o777).toString(8)}); remove it, or set REDIS_GITOPS_SERVER=off`);
  }
  return dir;
}

/** The longest Unix socket path Linux takes (sun_path is 108 bytes with its terminating NUL). */
const MAX_SOCKET_PATH = 107;

export function socketPath(key: string): string {
  const p = path.join(serverDir(), `${key}.sock`);
  if (Buffer.byteLength(p) > MAX_SOCKET_PATH) {
    throw new Error(`the socket path ${p} is longer than the ${MAX_SOCKET_PATH} bytes a Unix socket takes; set TMPDIR to a shorter folder`);
  }
  return p;
}

/** One message of the protocol: newline-delimited JSON both ways. */
type Frame =
  | { t: 'run'; argv: string[]; cwd: string; color: boolean; progress: boolean }
  | { t: 'status' }
  | { t: 'stop' }
  | { t: 'o' | 'e'; d: string }
  | { t: 'exit'; code: number }
  | { t: 'busy' }
  | { t: 'info'; pid: number; since: string; served: number; busy: boolean; idleSeconds: number };

function send(sock: net.Socket, frame: Frame): void {
  if (!sock.destroyed) sock.write(`${JSON.stringify(frame)}\n`);
}

function onFrames(sock: net.Socket, each: (f: Frame) => void): void {
  let buf = '';
  sock.setEncoding('utf8');
  sock.on('data', (chunk: string) => {
    buf += chunk;
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line) each(JSON.parse(line) as Frame);
      nl = buf.indexOf('\n');
    }
  });
}

/** Sends one request and collects the answer frames; rejects when nothing listens there. */
function ask(socket: string, request: Frame, onFrame: (f: Frame, sock: net.Socket) => boolean | undefined): Promise<'done' | 'closed'> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(socket);
    let answered = false;
    let finished = false;
    sock.once('connect', () => send(sock, request));
    onFrames(sock, (f) => {
      answered = true;
      if (onFrame(f, sock) === true) {
        finished = true;
        sock.end();
        resolve('done');
      }
    });
    sock.on('error', (err) => (answered ? resolve('closed') : reject(err)));
    sock.on('close', () => {
      if (!finished) resolve('closed');
    });
  });
}

/** What a new server validates once, output discarded, before it answers: the run that started it, read-only. */
interface WarmUp {
  readonly cwd: string;
  readonly argv: string[];
}

/** `validate --env E` for the first environment argv names (warm-up is read-only, whatever the command). */
function warmUpFor(argv: readonly string[]): WarmUp | undefined {
  const i = argv.findIndex((a) => a === '--env' || a === '-e');
  const env = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--env='))?.slice('--env='.length);
  return env ? { cwd: process.cwd(), argv: ['validate', '--env', env] } : undefined;
}

/** Starts a server for `key` in the background (its log beside the socket); returns its pid. */
function startServer(key: string, env: NodeJS.ProcessEnv, warmUp: WarmUp | undefined): number | undefined {
  const dir = serverDir();
  const log = openSync(path.join(dir, `${key}.log`), 'a', 0o600);
  try {
    const args = [BIN, '__serve', key, ...(warmUp ? [JSON.stringify(warmUp)] : [])];
    const child = spawn(process.execPath, args, { cwd: CODE_ROOT, detached: true, stdio: ['ignore', log, log], env });
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export interface ClientStreams {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

/**
 * Runs argv through the server. Returns the exit code, or undefined when this run must be made
 * in-process: the setting is off, the command is not served, no server ran (one is started for
 * the next run), or the server is busy with another command.
 */
export async function viaServer(argv: readonly string[], streams: ClientStreams = process, env: NodeJS.ProcessEnv = process.env): Promise<number | undefined> {
  if (serverSetting(env) === 'off' || !SERVED_COMMANDS.has(argv[0] ?? '') || argv.includes('--help') || argv.includes('-h')) return undefined;
  let key: string;
  let socket: string;
  try {
    key = serverKey(env);
    socket = socketPath(key);
  } catch (err) {
    streams.stderr.write(`redis-gitops: not using a server: ${(err as Error).message}\n`);
    return undefined;
  }
  let code: number | undefined;
  let busy = false;
  const request: Frame = {
    t: 'run',
    argv: [...argv],
    cwd: process.cwd(),
    color: Boolean(streams.stdout.isTTY) && !env.NO_COLOR,
    progress: Boolean(streams.stderr.isTTY),
  };
  try {
    const how = await ask(socket, request, (f) => {
      if (f.t === 'o') streams.stdout.write(f.d);
      else if (f.t === 'e') streams.stderr.write(f.d);
      else if (f.t === 'busy') busy = true;
      else if (f.t === 'exit') code = f.code;
      return f.t === 'exit' || f.t === 'busy' ? true : undefined;
    });
    if (busy) return undefined;
    if (how === 'closed' && code === undefined) {
      streams.stderr.write(`redis-gitops: the server stopped during this run (its log: ${socket.replace(/\.sock$/, '.log')}); run the command again, or set REDIS_GITOPS_SERVER=off\n`);
      return 3;
    }
    return code;
  } catch (err) {
    // Nothing listens: start a server for the next run, and make this one in-process. A socket file
    // nobody listens on (a server that was killed) is removed first; a missing one is left missing,
    // so a server that has just bound it is never unlinked from under it.
    if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') rmSync(socket, { force: true });
    const pid = startServer(key, env, warmUpFor(argv));
    if (streams.stderr.isTTY && pid) {
      streams.stderr.write(
        `redis-gitops: started a server (pid ${pid}) that keeps the CLI loaded for the next runs; it exits after ${idleSeconds(env)} s without one. \`redis-gitops server stop\` stops it; REDIS_GITOPS_SERVER=off turns it off.\n`,
      );
    }
    return undefined;
  }
}

function idleSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.REDIS_GITOPS_SERVER_IDLE_SECONDS);
  return Number.isFinite(n) && n > 0 ? n : 600;
}

/** Everything a server needs to answer: the CLI's `main` (loaded once, by the server). */
export type MainFn = (argv: readonly string[], out: import('../output.ts').Output) => Promise<number>;

/**
 * The server process (`redis-gitops.js __serve KEY`): listens on KEY's socket and answers one
 * command at a time until it has been idle for the idle time, or is told to stop.
 */
export async function runServer(key: string, loadMain: () => Promise<MainFn>, warmUpJson?: string): Promise<void> {
  const socket = socketPath(key);
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} server ${process.pid}: ${line}\n`);
  const main = await loadMain();
  // Load every served command's modules now, not at the first request.
  await Promise.all(['../commands/validate.ts', '../commands/render.ts', '../commands/diff.ts', '../commands/generate.ts'].map((m) => import(m)));
  // The first request would still run cold (V8 compiles hot code as it runs): validate once first, output discarded.
  let warming: Promise<void> = Promise.resolve();
  if (warmUpJson) {
    const w = JSON.parse(warmUpJson) as WarmUp;
    const discard = () => undefined;
    warming = (async () => {
      const t0 = performance.now();
      try {
        process.chdir(w.cwd);
        const code = await main(w.argv, { stdout: discard, stderr: discard, progress: discard, color: false });
        log(`warmed up: ${w.argv.join(' ')} in ${w.cwd}: exit ${code}, ${Math.round(performance.now() - t0)} ms`);
      } catch (err) {
        log(`warm-up failed (requests are answered anyway): ${(err as Error).message}`);
      }
    })();
  }
  const since = new Date().toISOString();
  const idleMs = idleSeconds() * 1000;
  let served = 0;
  let busy = false;
  let idle: NodeJS.Timeout | undefined;
  const server = net.createServer();
  let ownSocket = -1;
  const stop = (why: string) => {
    log(`stopping: ${why}`);
    server.close();
    // Remove our socket only (its inode): a newer server may listen on a fresh one of the same name.
    try {
      if (statSync(socket).ino === ownSocket) rmSync(socket, { force: true });
    } catch {
      // already gone
    }
    process.exit(0);
  };
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => stop(`idle for ${idleMs / 1000} s`), idleMs);
  };
  server.on('connection', (sock) => {
    sock.on('error', () => undefined);
    onFrames(sock, (f) => {
      if (f.t === 'status') {
        send(sock, { t: 'info', pid: process.pid, since, served, busy, idleSeconds: idleMs / 1000 });
        sock.end();
        return;
      }
      if (f.t === 'stop') {
        send(sock, { t: 'exit', code: 0 });
        sock.end(() => stop('asked to stop'));
        return;
      }
      if (f.t !== 'run') return;
      if (busy) {
        send(sock, { t: 'busy' });
        sock.end();
        return;
      }
      busy = true;
      clearTimeout(idle);
      void answer(f, sock).finally(() => {
        busy = false;
        served++;
        armIdle();
      });
    });
  });
  const answer = async (req: Extract<Frame, { t: 'run' }>, sock: net.Socket) => {
    await warming;
    const started = performance.now();
    let code: number;
    try {
      process.chdir(req.cwd);
      code = await main(req.argv, {
        stdout: (d) => send(sock, { t: 'o', d }),
        stderr: (d) => send(sock, { t: 'e', d }),
        progress: (d) => {
          if (req.progress) send(sock, { t: 'e', d: `${d}\n` });
        },
        color: req.color,
      });
    } catch (err) {
      // As the bin script does in-process: not bad input and not a violation, a bug.
      send(sock, { t: 'e', d: `redis-gitops: internal error (please report): ${(err as Error)?.stack ?? err}\n` });
      code = 3;
    }
    send(sock, { t: 'exit', code });
    sock.end();
    log(`${req.argv.join(' ')} in ${req.cwd}: exit ${code}, ${Math.round(performance.now() - started)} ms`);
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE') throw err;
    // Another server may have started for the same key at the same moment: leave it the socket.
    log('another server already listens on this socket; exiting');
    process.exit(0);
  });
  ownSocket = statSync(socket).ino;
  log(`listening on ${socket} (exits after ${idleMs / 1000} s idle)`);
  pruneOldLogs(path.dirname(socket));
  armIdle();
}

/** Removes the logs of servers gone for more than a day (each server has its own log, named by its key). */
function pruneOldLogs(dir: string): void {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.log'))) {
    const file = path.join(dir, f);
    try {
      if (!existsSync(file.replace(/\.log$/, '.sock')) && statSync(file).mtimeMs < dayAgo) rmSync(file, { force: true });
    } catch {
      // another server pruned it
    }
  }
}

/** The servers of this user, with what each says of itself (the ones that do not answer are removed). */
export async function listServers(): Promise<Array<{ key: string; socket: string; current: boolean; info: Extract<Frame, { t: 'info' }> }>> {
  const dir = serverDir();
  const current = serverKey();
  const found = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.sock'))) {
    const socket = path.join(dir, f);
    const key = f.replace(/\.sock$/, '');
    let info: Extract<Frame, { t: 'info' }> | undefined;
    try {
      await ask(socket, { t: 'status' }, (fr) => {
        if (fr.t === 'info') info = fr;
        return true;
      });
    } catch (err) {
      // A socket file nobody listens on: a server that was killed.
      if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') rmSync(socket, { force: true });
    }
    if (info) found.push({ key, socket, current: key === current, info });
  }
  return found;
}

/** Asks every server of this user to stop; returns how many did. */
export async function stopServers(): Promise<number> {
  let n = 0;
  for (const s of await listServers()) {
    await ask(s.socket, { t: 'stop' }, (f) => f.t === 'exit').catch(() => undefined);
    n++;
  }
  return n;
}
