import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dnsAnswer, DnsServer, parseQuestion, Sandbox } from '../src/index.ts';

/** A DNS query for `name` (type `type`, class IN), as a resolver sends it. */
function query(id: number, name: string, type = 1): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')]));
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([header, ...labels, Buffer.from([0]), tail]);
}

describe('dnsAnswer (the wire format)', () => {
  const lookup = (n: string) => ({ 'a.b.ns.svc': '127.9.8.7' })[n];

  it('answers an A query with one A record, TTL 0, the question echoed and the id kept', () => {
    const r = dnsAnswer(query(0x1234, 'A.B.ns.svc'), lookup)!;
    expect(r.readUInt16BE(0)).toBe(0x1234);
    expect(r.readUInt16BE(2) & 0x800f).toBe(0x8000); // a response, NOERROR
    expect([r.readUInt16BE(4), r.readUInt16BE(6)]).toEqual([1, 1]);
    expect(parseQuestion(r)?.name).toBe('a.b.ns.svc');
    expect([...r.subarray(-4)]).toEqual([127, 9, 8, 7]);
    expect(r.readUInt32BE(r.length - 10)).toBe(0); // TTL
  });

  it('says NXDOMAIN for an unknown name, NODATA (no answer) for AAAA of a known one, and ignores responses', () => {
    const nx = dnsAnswer(query(1, 'nope.ns.svc'), lookup)!;
    expect(nx.readUInt16BE(2) & 0xf).toBe(3);
    const aaaa = dnsAnswer(query(2, 'a.b.ns.svc', 28), lookup)!;
    expect([aaaa.readUInt16BE(2) & 0xf, aaaa.readUInt16BE(6)]).toEqual([0, 0]);
    const response = query(3, 'a.b.ns.svc');
    response.writeUInt16BE(0x8000, 2);
    expect(dnsAnswer(response, lookup)).toBeUndefined();
    expect(dnsAnswer(Buffer.from([1, 2, 3]), lookup)).toBeUndefined();
  });
});

describe('DnsServer on a sandbox address', () => {
  let sandbox: Sandbox;
  let server: DnsServer;
  let resolver: Resolver;
  beforeAll(async () => {
    sandbox = await Sandbox.create({ name: 'dns-server', ports: [53] });
    server = await sandbox.startDnsServer();
    resolver = new Resolver({ timeout: 500, tries: 1 });
    resolver.setServers([server.ip]);
  });
  afterAll(() => sandbox?.cleanup());

  it('binds port 53 of a loopback address of the block and writes the resolv.conf kubelet would', () => {
    expect(server.ip.startsWith(`${sandbox.ipPrefix}.`)).toBe(true);
    expect(server.port).toBe(53);
    expect(server.resolvConf()).toBe(`nameserver ${server.ip}\noptions ndots:5\n`);
  });

  it('answers from the DNS map as it is now, also under the cluster domain, and NXDOMAIN otherwise', async () => {
    sandbox.dns.set(['node-0.headless.redis.svc'], '127.1.2.3');
    expect(await resolver.resolve4('node-0.headless.redis.svc')).toEqual(['127.1.2.3']);
    expect(await resolver.resolve4('node-0.headless.redis.svc.cluster.local')).toEqual(['127.1.2.3']);
    sandbox.dns.set(['node-0.headless.redis.svc'], '127.1.2.4'); // the pod moved
    expect(await resolver.resolve4('node-0.headless.redis.svc.cluster.local')).toEqual(['127.1.2.4']);
    sandbox.dns.delete(['node-0.headless.redis.svc']); // the pod is gone
    await expect(resolver.resolve4('node-0.headless.redis.svc.cluster.local')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolve4('node-0.headless.redis.svc.other.domain')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(server.queries).toBeGreaterThanOrEqual(5);
  });

  it('refuses an address outside 127.0.0.0/8', async () => {
    await expect(DnsServer.start(sandbox.dns, { ip: '0.0.0.0' })).rejects.toThrow(/loopback addresses only/);
  });

  it('is closed by sandbox.cleanup(): no answer afterwards', async () => {
    const other = await Sandbox.create({ name: 'dns-server-cleanup', ports: [53] });
    const s = await other.startDnsServer();
    other.dns.set(['x.ns.svc'], '127.0.0.9');
    const r = new Resolver({ timeout: 300, tries: 1 });
    r.setServers([s.ip]);
    expect(await r.resolve4('x.ns.svc')).toEqual(['127.0.0.9']);
    await other.cleanup();
    await expect(r.resolve4('x.ns.svc')).rejects.toMatchObject({ code: expect.stringMatching(/ETIMEOUT|ECONNREFUSED/) });
  });
});
