/** Parsers for CLUSTER NODES and CLUSTER SLOTS replies. */
import type { RespValue } from './resp.ts';

export interface ClusterNodeLine {
  readonly id: string;
  /** "ip:port@cport[,hostname]" as printed. */
  readonly address: string;
  /** IP part ("" for a noaddr node printed as ":0@0"). */
  readonly ip: string;
  readonly port: number;
  readonly busPort: number;
  readonly hostname: string;
  readonly flags: readonly string[];
  /** Master node ID of a replica; "-" for masters. */
  readonly masterId: string;
  readonly linkState: string;
  /** Owned slot ranges (importing/migrating markers left out). */
  readonly slots: ReadonlyArray<readonly [number, number]>;
  readonly myself: boolean;
  readonly role: 'master' | 'replica' | 'unknown';
}

/** Splits "ip:port@cport[,hostname...]" (IPv6 safe: the port follows the last colon). */
export function parseNodeAddress(address: string): { ip: string; port: number; busPort: number; hostname: string } {
  const [hostPort = '', hostname = ''] = address.split(',');
  const [ipPort = '', bus = ''] = hostPort.split('@');
  const colon = ipPort.lastIndexOf(':');
  const ip = colon >= 0 ? ipPort.slice(0, colon) : ipPort;
  const port = Number(colon >= 0 ? ipPort.slice(colon + 1) : 0);
  return { ip, port, busPort: Number(bus || 0), hostname };
}

export function parseClusterNodes(text: string): ClusterNodeLine[] {
  const out: ClusterNodeLine[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const f = raw.trim().split(/\s+/);
    if (f.length < 8 || !f[0]) continue;
    const flags = (f[2] ?? '').split(',');
    const addr = parseNodeAddress(f[1] ?? '');
    const slots: Array<[number, number]> = [];
    for (const s of f.slice(8)) {
      if (s.startsWith('[')) continue;
      const [a, b] = s.split('-');
      slots.push([Number(a), Number(b ?? a)]);
    }
    out.push({
      id: f[0],
      address: f[1] ?? '',
      ...addr,
      flags,
      masterId: f[3] ?? '-',
      linkState: f[7] ?? '',
      slots,
      myself: flags.includes('myself'),
      role: flags.includes('master') ? 'master' : flags.includes('slave') ? 'replica' : 'unknown',
    });
  }
  return out;
}

export interface SlotEndpoint {
  /** What clients are told to dial: an IP, a hostname, or "?" when unknown. */
  readonly endpoint: string;
  readonly port: number;
  readonly id: string;
  /** The "ip" / "hostname" metadata Redis 7 adds when the preferred endpoint is something else. */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface SlotRange {
  readonly from: number;
  readonly to: number;
  readonly master: SlotEndpoint;
  readonly replicas: readonly SlotEndpoint[];
}

function endpointOf(v: RespValue): SlotEndpoint {
  if (!Array.isArray(v)) throw new Error(`CLUSTER SLOTS: unexpected node entry ${JSON.stringify(v)}`);
  const metadata: Record<string, string> = {};
  const meta = v[3];
  if (Array.isArray(meta)) for (let i = 0; i + 1 < meta.length; i += 2) metadata[String(meta[i])] = String(meta[i + 1]);
  return { endpoint: v[0] === null ? '?' : String(v[0]), port: Number(v[1]), id: String(v[2] ?? ''), metadata };
}

export function parseClusterSlots(reply: RespValue): SlotRange[] {
  if (!Array.isArray(reply)) throw new Error(`CLUSTER SLOTS: expected an array, got ${JSON.stringify(reply)}`);
  return reply.map((r) => {
    if (!Array.isArray(r) || r.length < 3) throw new Error(`CLUSTER SLOTS: unexpected entry ${JSON.stringify(r)}`);
    const [from, to, master, ...replicas] = r;
    return { from: Number(from), to: Number(to), master: endpointOf(master as RespValue), replicas: replicas.map(endpointOf) };
  });
}

/** "0-5460,5461-10922" style text of ranges, merged where adjacent. */
export function rangesText(ranges: ReadonlyArray<readonly [number, number]>): string {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
}

/** Slots 0..16383 not in any of the ranges, as ranges. */
export function missingSlots(ranges: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const covered = new Uint8Array(16384);
  for (const [a, b] of ranges) for (let s = Math.max(0, a); s <= Math.min(16383, b); s++) covered[s] = 1;
  const out: Array<[number, number]> = [];
  let start = -1;
  for (let s = 0; s <= 16384; s++) {
    if (s < 16384 && !covered[s]) {
      if (start < 0) start = s;
    } else if (start >= 0) {
      out.push([start, s - 1]);
      start = -1;
    }
  }
  return out;
}
