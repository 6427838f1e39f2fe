/**
 * A tiny UDP DNS server that answers from the sandbox's DnsMap: the stand-in for the cluster DNS
 * (CoreDNS) for processes that resolve names themselves at run time instead of through RESOLVE_CMD,
 * e.g. HAProxy's `resolvers` section. It answers A queries for every name of the map, and for the
 * same names under a cluster domain (`<name>.cluster.local`), as CoreDNS answers the fully qualified
 * names of pods; a known name without an IPv4 answer for the asked type gets an empty NOERROR
 * (NODATA), an unknown name NXDOMAIN. TTL 0: every query sees the map as it is now.
 *
 * It binds one 127.0.0.0/8 address (a fresh one of the sandbox's block), port 53 by default (where
 * a resolv.conf `nameserver` line points), and is closed by `sandbox.cleanup()`.
 */
import dgram from 'node:dgram';
import type { DnsMap } from './dns-map.ts';

export interface DnsServerOptions {
  /** The address to bind, inside 127.0.0.0/8. */
  readonly ip: string;
  /** @default 53 */
  readonly port?: number;
  /** Also answer `<name>.<domain>` for every name of the map (the cluster domain). @default 'cluster.local' */
  readonly domain?: string;
}

const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE_NXDOMAIN = 3;
const RCODE_FORMERR = 1;
const RCODE_NOTIMP = 4;

interface Question {
  readonly name: string;
  readonly type: number;
  readonly klass: number;
  /** Offset just after the question. */
  readonly end: number;
}

/** The first question of a query, or undefined when the packet is malformed. Names are lower-cased, without the final dot. */
export function parseQuestion(msg: Buffer): Question | undefined {
  if (msg.length < 12 || msg.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let off = 12;
  for (;;) {
    if (off >= msg.length) return undefined;
    const len = msg[off]!;
    if (len === 0) {
      off += 1;
      break;
    }
    if (len > 63 || off + 1 + len > msg.length) return undefined; // no compression in questions
    labels.push(msg.toString('latin1', off + 1, off + 1 + len));
    off += 1 + len;
  }
  if (off + 4 > msg.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(off), klass: msg.readUInt16BE(off + 2), end: off + 4 };
}

/** The response to one query: header + the question echoed + at most one A record. */
export function dnsAnswer(msg: Buffer, lookup: (name: string) => string | undefined): Buffer | undefined {
  if (msg.length < 12) return undefined;
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000) return undefined; // a response: never answer it
  const rd = flags & 0x0100;
  const header = (rcode: number, qd: number, an: number) => {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(id, 0);
    h.writeUInt16BE(0x8000 | 0x0400 | rd | rcode, 2); // QR, AA, RD as asked, RA off
    h.writeUInt16BE(qd, 4);
    h.writeUInt16BE(an, 6);
    return h;
  };
  const opcode = (flags >> 11) & 0xf;
  const q = parseQuestion(msg);
  if (!q) return header(RCODE_FORMERR, 0, 0);
  const question = msg.subarray(12, q.end);
  if (opcode !== 0) return Buffer.concat([header(RCODE_NOTIMP, 1, 0), question]);
  const ip = lookup(q.name);
  if (ip === undefined) return Buffer.concat([header(RCODE_NXDOMAIN, 1, 0), question]);
  if (q.type !== TYPE_A || q.klass !== CLASS_IN || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return Buffer.concat([header(0, 1, 0), question]);
  const rr = Buffer.alloc(16);
  rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
  rr.writeUInt16BE(TYPE_A, 2);
  rr.writeUInt16BE(CLASS_IN, 4);
  rr.writeUInt32BE(0, 6); // TTL 0
  rr.writeUInt16BE(4, 10);
  for (const [i, b] of ip.split('.').entries()) rr.writeUInt8(Number(b), 12 + i);
  return Buffer.concat([header(0, 1, 1), question, rr]);
}

export class DnsServer {
  readonly ip: string;
  readonly port: number;
  /** Queries answered so far. */
  queries = 0;
  private readonly socket: dgram.Socket;
  private closed = false;

  private constructor(socket: dgram.Socket, ip: string, port: number) {
    this.socket = socket;
    this.ip = ip;
    this.port = port;
  }

  /** Binds `options.ip:port` and answers from `map` until closed. */
  static async start(map: DnsMap, options: DnsServerOptions): Promise<DnsServer> {
    if (!/^127\.\d+\.\d+\.\d+$/.test(options.ip)) throw new Error(`redis-testkit: the DNS server binds loopback addresses only (127.0.0.0/8), not ${options.ip}`);
    const port = options.port ?? 53;
    const suffix = `.${(options.domain ?? 'cluster.local').toLowerCase()}`;
    const lookup = (name: string): string | undefined => map.lookup(name) ?? (name.endsWith(suffix) ? map.lookup(name.slice(0, -suffix.length)) : undefined);
    const socket = dgram.createSocket({ type: 'udp4' });
    const server = new DnsServer(socket, options.ip, port);
    socket.on('message', (msg, peer) => {
      const reply = dnsAnswer(msg, lookup);
      if (!reply || server.closed) return;
      server.queries += 1;
      socket.send(reply, peer.port, peer.address);
    });
    return new Promise((resolve, reject) => {
      socket.once('error', (e) =>
        reject(new Error(`redis-testkit: cannot bind the DNS server on ${options.ip}:${port}: ${e.message}${port < 1024 ? ' (a port below 1024 needs root or CAP_NET_BIND_SERVICE)' : ''}`)),
      );
      socket.bind(port, options.ip, () => {
        socket.removeAllListeners('error');
        socket.on('error', () => undefined);
        resolve(server);
      });
    });
  }

  /** The resolv.conf a pod would get from kubelet, pointing at this server. */
  resolvConf(): string {
    if (this.port !== 53) throw new Error(`redis-testkit: resolv.conf cannot name port ${this.port}; start the DNS server on port 53`);
    return `nameserver ${this.ip}\noptions ndots:5\n`;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  /** For the process 'exit' hook. */
  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
