/**
 * The command and category table behind src/acl-rules.ts, read from a REAL redis-server so that
 * nobody hand-types Redis command names:
 *
 *   node packages/spec/bin/redis-acl-commands.ts           start redis-server, write src/generated/redis-acl-commands.json
 *   node packages/spec/bin/redis-acl-commands.ts --check   exit 1 when the committed file differs from what the server says
 *   node packages/spec/bin/redis-acl-commands.ts --help
 *
 * It starts one throw-away redis-server (127.0.0.1, a free port, `--save '' --appendonly no`, a temp
 * dir; killed by PID and the dir removed in `finally`) and reads `INFO server` (the version),
 * `COMMAND INFO` (every command and its subcommands), `ACL CAT` and `ACL CAT <category>`.
 * The server is `redis-server` from PATH, or $REDIS_SERVER. Exit codes: 0 written / up to date,
 * 1 stale (--check), 2 usage error or no server to ask.
 * The file is written atomically (temp + rename) and formatted by the workspace's biome, so
 * `biome ci` accepts it as written; --check compares content, not formatting.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SCRIPT = 'packages/spec/bin/redis-acl-commands.ts';
const DATA = 'packages/spec/src/generated/redis-acl-commands.json';
const USAGE = `usage: node ${SCRIPT} [--check | --help]
  (no option)  start redis-server ($REDIS_SERVER or redis-server in PATH) and write ${DATA}
  --check      exit 1 when ${DATA} differs from what that server says, 0 when it matches
exit codes: 0 ok, 1 stale (--check), 2 usage error or no redis-server to ask`;

/** The shape of the JSON file; src/acl-rules.ts reads the same fields. */
export interface RedisAclCommandTable {
  readonly generatedBy: string;
  /** `redis_version` of INFO server of the server it was read from. */
  readonly redisVersion: string;
  readonly source: string;
  /** Command name (lowercase) -> its subcommand names (the part after `|`), sorted; [] when it has none. */
  readonly commands: Readonly<Record<string, readonly string[]>>;
  /** Category name (no `@`, in ACL CAT order) -> the commands ACL CAT <category> lists (`config|get` for a subcommand), sorted. */
  readonly categories: Readonly<Record<string, readonly string[]>>;
}

// ---------------------------------------------------------------------------------------------
// A minimal RESP2 client: this package is pure and must not depend on the testkit or the CLI.

type Reply = string | number | null | Error | Reply[];

function encode(args: readonly string[]): Buffer {
  const parts = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.from(a);
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** One complete reply at `pos`, or undefined when more bytes are needed. */
function parse(buf: Buffer, pos: number): { value: Reply; end: number } | undefined {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[pos] ?? 0);
  const line = buf.toString('utf8', pos + 1, eol);
  if (type === '+') return { value: line, end: eol + 2 };
  if (type === '-') return { value: new Error(line), end: eol + 2 };
  if (type === ':') return { value: Number(line), end: eol + 2 };
  if (type === '$') {
    const len = Number(line);
    if (len < 0) return { value: null, end: eol + 2 };
    if (buf.length < eol + 2 + len + 2) return undefined;
    return { value: buf.toString('utf8', eol + 2, eol + 2 + len), end: eol + 2 + len + 2 };
  }
  if (type === '*') {
    const n = Number(line);
    if (n < 0) return { value: null, end: eol + 2 };
    const items: Reply[] = [];
    let p = eol + 2;
    for (let i = 0; i < n; i++) {
      const r = parse(buf, p);
      if (!r) return undefined;
      items.push(r.value);
      p = r.end;
    }
    return { value: items, end: p };
  }
  throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
}

/** Sends one command on a fresh connection and resolves with its reply (an error reply rejects). */
function call(port: number, ...args: string[]): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const socket = net.createConnection({ host: '127.0.0.1', port });
    const timer = setTimeout(() => socket.destroy(new Error(`no reply to ${args.join(' ')} within 10s`)), 10_000);
    socket.on('connect', () => socket.write(encode(args)));
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const r = parse(buf, 0);
      if (!r) return;
      clearTimeout(timer);
      socket.end();
      if (r.value instanceof Error) reject(new Error(`${args.join(' ')}: ${r.value.message}`));
      else resolve(r.value);
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function strings(v: Reply, what: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`${what}: expected a list of strings, got ${JSON.stringify(v)}`);
  return v as string[];
}

// ---------------------------------------------------------------------------------------------
// The throw-away server.

function redisServerPath(): string {
  const explicit = process.env.REDIS_SERVER;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`$REDIS_SERVER=${explicit} does not exist`);
    return explicit;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'redis-server');
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error('no redis-server in PATH (install it with `bash tools/setup.sh`, or set $REDIS_SERVER)');
}

function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitReady(port: number, proc: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
      throw new Error(`redis-server exited (${proc.exitCode ?? proc.signalCode}) before answering on 127.0.0.1:${port}\n${log}`);
    }
    try {
      if ((await call(port, 'PING')) === 'PONG') return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on 127.0.0.1:${port} within 10s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function withServer<T>(fn: (port: number) => Promise<T>): Promise<T> {
  const binary = redisServerPath();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'redis-acl-commands-'));
  let proc: ChildProcess | undefined;
  const stop = async () => {
    const p = proc;
    if (p?.pid !== undefined && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      process.kill(p.pid, 'SIGKILL');
      await exited;
    }
  };
  try {
    // The free port may be taken between the probe and redis-server binding it: then try another.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const logFile = path.join(dir, `redis-${attempt}.log`);
      proc = spawn(binary, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', logFile, '--daemonize', 'no'], {
        stdio: 'ignore',
      });
      proc.on('error', () => undefined); // a spawn failure shows up as an exit in waitReady
      try {
        await waitReady(port, proc, logFile);
      } catch (e) {
        await stop();
        if (attempt < 3 && /Address already in use/.test((e as Error).message)) continue;
        throw e;
      }
      return await fn(port);
    }
  } finally {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Reading the table.

async function readTable(port: number): Promise<RedisAclCommandTable> {
  const info = await call(port, 'INFO', 'server');
  const redisVersion = typeof info === 'string' ? /^redis_version:(.+)$/m.exec(info)?.[1]?.trim() : undefined;
  if (!redisVersion) throw new Error(`INFO server has no redis_version: ${JSON.stringify(info)}`);

  const entries = await call(port, 'COMMAND', 'INFO');
  if (!Array.isArray(entries)) throw new Error(`COMMAND INFO: expected a list, got ${JSON.stringify(entries)}`);
  const commands: Record<string, string[]> = {};
  for (const e of entries) {
    if (!Array.isArray(e) || typeof e[0] !== 'string') throw new Error(`COMMAND INFO: unexpected entry ${JSON.stringify(e)}`);
    const name = e[0].toLowerCase();
    // RESP2 layout: name, arity, flags, first key, last key, step, ACL categories, tips, key specs, subcommands.
    const subs = Array.isArray(e[9]) ? e[9] : [];
    commands[name] = subs
      .map((s) => {
        const full = Array.isArray(s) && typeof s[0] === 'string' ? s[0].toLowerCase() : '';
        if (!full.startsWith(`${name}|`)) throw new Error(`COMMAND INFO ${name}: unexpected subcommand entry ${JSON.stringify(s)}`);
        return full.slice(name.length + 1);
      })
      .sort();
  }

  const categories: Record<string, string[]> = {};
  for (const cat of strings(await call(port, 'ACL', 'CAT'), 'ACL CAT')) {
    categories[cat] = strings(await call(port, 'ACL', 'CAT', cat), `ACL CAT ${cat}`)
      .map((c) => c.toLowerCase())
      .sort();
  }
  return {
    generatedBy: `node ${SCRIPT}; do not edit`,
    redisVersion,
    source: `INFO server, COMMAND INFO, ACL CAT and ACL CAT <category> of redis-server ${redisVersion}`,
    commands: Object.fromEntries(Object.entries(commands).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    categories,
  };
}

/** The JSON text as biome (the workspace formatter) prints it, so `biome ci` accepts the file. */
function formatted(table: RedisAclCommandTable): string {
  const biome = path.join(ROOT, 'node_modules', '.bin', 'biome');
  return execFileSync(biome, ['format', `--stdin-file-path=${DATA}`], { cwd: ROOT, input: `${JSON.stringify(table, null, 2)}\n`, encoding: 'utf8' });
}

function summary(t: RedisAclCommandTable): string {
  const subs = Object.values(t.commands).reduce((n, s) => n + s.length, 0);
  return `redis-server ${t.redisVersion}: ${Object.keys(t.commands).length} commands, ${subs} subcommands, ${Object.keys(t.categories).length} categories`;
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  if (argv.length > 1 || (argv.length === 1 && argv[0] !== '--check')) {
    console.error(`redis-acl-commands: unknown arguments ${argv.join(' ')}\n${USAGE}`);
    return 2;
  }
  let table: RedisAclCommandTable;
  try {
    table = await withServer(readTable);
  } catch (e) {
    console.error(`redis-acl-commands: ${(e as Error).message}`);
    return 2;
  }
  const file = path.join(ROOT, DATA);
  if (argv[0] === '--check') {
    const committed: unknown = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
    if (isDeepStrictEqual(committed, table)) return 0;
    const was = committed && typeof committed === 'object' && 'redisVersion' in committed ? ` (committed: redis-server ${String(committed.redisVersion)})` : ' (missing)';
    console.error(`redis-acl-commands: ${DATA} differs from ${summary(table)}${was}. Run: node ${SCRIPT}`);
    return 1;
  }
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, formatted(table));
  renameSync(tmp, file);
  console.log(`redis-acl-commands: wrote ${DATA} from ${summary(table)}`);
  return 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
