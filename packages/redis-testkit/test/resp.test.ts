import { describe, expect, it } from '@jest/globals';
import { encodeCommand, RespError, RespParser } from '../src/index.ts';

describe('RESP', () => {
  it('encodes a command as an array of bulk strings', () => {
    expect(encodeCommand(['SET', 'k', 42]).toString()).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n42\r\n');
  });

  it('parses pipelined replies split at arbitrary byte boundaries', () => {
    const wire = Buffer.from('+OK\r\n:12\r\n$5\r\nhello\r\n$-1\r\n*2\r\n$1\r\na\r\n-MOVED 3999 127.0.0.1:6381\r\n*0\r\n-ERR x\r\n');
    for (let cut = 1; cut < wire.length; cut++) {
      const p = new RespParser();
      const out = [...p.feed(wire.subarray(0, cut)), ...p.feed(wire.subarray(cut))];
      expect(out).toHaveLength(7);
      expect(out.slice(0, 4)).toEqual(['OK', 12, 'hello', null]);
      const arr = out[4] as unknown[];
      expect(arr[0]).toBe('a');
      expect(arr[1]).toBeInstanceOf(RespError);
      expect((arr[1] as RespError).code).toBe('MOVED');
      expect(out[5]).toEqual([]);
      expect((out[6] as RespError).message).toBe('ERR x');
    }
  });

  it('parses multi-byte UTF-8 bulk strings by byte length', () => {
    const p = new RespParser();
    expect(p.feed(Buffer.from('$4\r\nhé!\r\n'))).toEqual(['hé!']);
  });
});
