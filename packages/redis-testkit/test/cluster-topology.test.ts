import { describe, expect, it } from '@jest/globals';
import { missingSlots, parseClusterNodes, parseClusterSlots, parseNodeAddress, rangesText } from '../src/index.ts';

describe('CLUSTER NODES / SLOTS parsing', () => {
  it('parses addresses with hostnames, noaddr nodes and IPv6', () => {
    expect(parseNodeAddress('127.1.2.3:6379@16379,rc-0.rc-headless')).toEqual({ ip: '127.1.2.3', port: 6379, busPort: 16379, hostname: 'rc-0.rc-headless' });
    expect(parseNodeAddress(':0@0')).toEqual({ ip: '', port: 0, busPort: 0, hostname: '' });
    expect(parseNodeAddress('::1:6379@16379')).toMatchObject({ ip: '::1', port: 6379 });
  });

  it('parses flags, roles and slot ranges, ignoring migration markers', () => {
    const text = [
      'aaa 127.1.2.3:6379@16379,h0 myself,master - 0 0 1 connected 0-5460 7000 [5461->-bbb]',
      'bbb :0@0 master,fail?,noaddr - 1 2 2 disconnected',
      'ccc 127.1.2.5:6379@16379 slave aaa 0 3 1 connected',
      '',
    ].join('\n');
    const [a, b, c] = parseClusterNodes(text);
    expect(a).toMatchObject({
      id: 'aaa',
      myself: true,
      role: 'master',
      hostname: 'h0',
      slots: [
        [0, 5460],
        [7000, 7000],
      ],
    });
    expect(b).toMatchObject({ role: 'master', flags: ['master', 'fail?', 'noaddr'], linkState: 'disconnected', ip: '' });
    expect(c).toMatchObject({ role: 'replica', masterId: 'aaa' });
  });

  it('parses CLUSTER SLOTS with Redis 7 metadata', () => {
    const r = parseClusterSlots([[0, 5460, ['127.1.2.3', 6379, 'aaa', ['hostname', 'h0']], ['127.1.2.5', 6379, 'ccc', []]]]);
    expect(r[0]).toMatchObject({ from: 0, to: 5460, master: { endpoint: '127.1.2.3', id: 'aaa', metadata: { hostname: 'h0' } } });
    expect(r[0]!.replicas[0]!.endpoint).toBe('127.1.2.5');
  });

  it('merges ranges and finds missing slots', () => {
    expect(
      rangesText([
        [5, 9],
        [0, 4],
        [11, 11],
      ]),
    ).toBe('0-9,11');
    expect(
      missingSlots([
        [0, 5000],
        [5002, 16383],
      ]),
    ).toEqual([[5001, 5001]]);
    expect(missingSlots([[0, 16383]])).toEqual([]);
  });
});
