import net from 'node:net';
import tls from 'node:tls';
import { encodeCommand, RespError, RespParser, type RespArg, type RespValue } from './resp.ts';

export interface ConnectionOptions {
  readonly host: string;
  /** @default 6379 */
  readonly port?: number;
  /** Sent with AUTH right after connecting; empty or undefined: no AUTH. */
  readonly password?: string;
  /** ACL user for AUTH <username> <password>; undefined: AUTH <password> (the default user). */
  readonly username?: string;
  /** @default 2000 */
  readonly connectTimeoutMs?: number;
  /** Per command; on expiry the connection is destroyed (replies would be out of step). @default 5000 */
  readonly commandTimeoutMs?: number;
  /** Speak TLS (like `redis-cli --tls --cacert --cert --key`); undefined: plain TCP. */
  readonly tls?: RespTlsOptions;
}

/**
 * TLS for a RespConnection: PEM text (not paths), read once by the caller. The server certificate
 * must chain to `ca`; like redis-cli, its host name is not checked (pod certificates rarely carry
 * the pod IP). `cert` + `key`: the client certificate Redis asks for (tls-auth-clients yes).
 */
export interface RespTlsOptions {
  readonly ca: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
}

/** An error reply of the server, thrown by `call`; `code` is MOVED, ASK, CLUSTERDOWN, ERR, ... */
export class RedisReplyError extends Error {
  readonly code: string;
  readonly reply: string;
  constructor(reply: string, where: string) {
    super(`${where}: ${reply}`);
    this.name = 'RedisReplyError';
    this.reply = reply;
    this.code = reply.split(' ', 1)[0] ?? '';
  }
}

/** The connection failed, timed out or was closed; the command may or may not have run. */
export class RedisConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisConnectionError';
  }
}

interface Pending {
  readonly resolve: (v: RespValue) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
  readonly what: string;
}

/** One TCP connection speaking RESP2; commands may be pipelined (replies come back in order). */
export class RespConnection {
  readonly host: string;
  readonly port: number;
  private readonly socket: net.Socket | tls.TLSSocket;
  private readonly parser = new RespParser();
  private readonly pending: Pending[] = [];
  private readonly commandTimeoutMs: number;
  private failure: Error | undefined;

  private constructor(socket: net.Socket | tls.TLSSocket, host: string, port: number, commandTimeoutMs: number) {
    this.socket = socket;
    this.host = host;
    this.port = port;
    this.commandTimeoutMs = commandTimeoutMs;
    socket.on('data', (chunk: Buffer) => {
      let replies: RespValue[];
      try {
        replies = this.parser.feed(chunk);
      } catch (e) {
        this.fail(new RedisConnectionError(`${this.where}: ${(e as Error).message}`));
        return;
      }
      for (const r of replies) {
        const p = this.pending.shift();
        if (!p) continue;
        clearTimeout(p.timer);
        if (r instanceof RespError) p.reject(new RedisReplyError(r.message, `${this.where} ${p.what}`));
        else p.resolve(r);
      }
    });
    socket.on('error', (e) => this.fail(new RedisConnectionError(`${this.where}: ${e.message}`)));
    socket.on('close', () => this.fail(new RedisConnectionError(`${this.where}: connection closed`)));
  }

  get where(): string {
    return `${this.host}:${this.port}`;
  }

  get closed(): boolean {
    return this.failure !== undefined;
  }

  /** Connects (bounded by connectTimeoutMs) and authenticates when a password is given. */
  static open(options: ConnectionOptions): Promise<RespConnection> {
    const host = options.host;
    const port = options.port ?? 6379;
    const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
    return new Promise<RespConnection>((resolve, reject) => {
      const t = options.tls;
      const socket = t ? tls.connect({ host, port, ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: true, checkServerIdentity: () => undefined }) : net.createConnection({ host, port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new RedisConnectionError(`${host}:${port}: connect timed out after ${connectTimeoutMs}ms`));
      }, connectTimeoutMs);
      const onError = (e: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new RedisConnectionError(`${host}:${port}: ${e.message}`));
      };
      socket.once('error', onError);
      socket.once(t ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        const conn = new RespConnection(socket, host, port, options.commandTimeoutMs ?? 5000);
        if (!options.password) {
          resolve(conn);
          return;
        }
        (options.username ? conn.call('AUTH', options.username, options.password) : conn.call('AUTH', options.password)).then(
          () => resolve(conn),
          (e: Error) => {
            conn.close();
            reject(e);
          },
        );
      });
    });
  }

  /** Sends one command; resolves with the reply, rejects with RedisReplyError or RedisConnectionError. */
  call(...args: RespArg[]): Promise<RespValue> {
    if (this.failure) return Promise.reject(this.failure);
    const what = String(args[0] ?? '').toUpperCase() === 'AUTH' ? 'AUTH' : args.slice(0, 3).map(String).join(' ');
    return new Promise<RespValue>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new RedisConnectionError(`${this.where} ${what}: no reply within ${this.commandTimeoutMs}ms`));
      }, this.commandTimeoutMs);
      this.pending.push({ resolve, reject, timer, what });
      this.socket.write(encodeCommand(args));
    });
  }

  close(): void {
    this.fail(new RedisConnectionError(`${this.where}: connection closed by the client`));
  }

  private fail(e: Error): void {
    if (!this.failure) this.failure = e;
    this.socket.destroy();
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(e);
    }
  }
}

/** One command on a fresh connection, closed afterwards. */
export async function commandWith(options: ConnectionOptions, ...args: RespArg[]): Promise<RespValue> {
  const conn = await RespConnection.open(options);
  try {
    return await conn.call(...args);
  } finally {
    conn.close();
  }
}

/** `command('127.3.4.5', 6379, 'PING')`: one command, no AUTH, default timeouts. */
export function command(ip: string, port: number, ...args: RespArg[]): Promise<RespValue> {
  return commandWith({ host: ip, port }, ...args);
}

/** The reply as a string; throws when it is not one (e.g. CLUSTER NODES, INFO, GET). */
export function asText(v: RespValue, what = 'reply'): string {
  if (typeof v === 'string') return v;
  throw new Error(`expected a string ${what}, got ${JSON.stringify(v)}`);
}

/** Parses INFO / CLUSTER INFO text ("key:value" lines) into a map. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}
