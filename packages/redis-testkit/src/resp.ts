/** RESP2 wire format: encoding commands and incrementally parsing replies. */

/** An error reply (`-ERR ...`, `-MOVED 3999 10.0.0.1:6379`), as a value inside arrays. */
export class RespError {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
  /** The first word: ERR, MOVED, ASK, CLUSTERDOWN, NOAUTH, LOADING, ... */
  get code(): string {
    return this.message.split(' ', 1)[0] ?? '';
  }
}

export type RespValue = string | number | null | RespError | RespValue[];
export type RespArg = string | number | Buffer;

export function encodeCommand(args: readonly RespArg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

const INCOMPLETE = Symbol('incomplete');

/** Incremental reply parser: feed bytes, take complete replies in order. */
export class RespParser {
  private buf: Buffer = Buffer.alloc(0);

  feed(chunk: Buffer): RespValue[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: RespValue[] = [];
    for (;;) {
      const r = this.parse(0);
      if (r === INCOMPLETE) break;
      out.push(r.value);
      this.buf = this.buf.subarray(r.end);
      if (this.buf.length === 0) break;
    }
    return out;
  }

  private parse(pos: number): { value: RespValue; end: number } | typeof INCOMPLETE {
    const eol = this.buf.indexOf('\r\n', pos);
    if (eol < 0) return INCOMPLETE;
    const type = String.fromCharCode(this.buf[pos] ?? 0);
    const line = this.buf.toString('utf8', pos + 1, eol);
    const next = eol + 2;
    switch (type) {
      case '+':
        return { value: line, end: next };
      case '-':
        return { value: new RespError(line), end: next };
      case ':':
        return { value: Number(line), end: next };
      case '$': {
        const len = Number(line);
        if (len < 0) return { value: null, end: next };
        if (this.buf.length < next + len + 2) return INCOMPLETE;
        return { value: this.buf.toString('utf8', next, next + len), end: next + len + 2 };
      }
      case '*': {
        const n = Number(line);
        if (n < 0) return { value: null, end: next };
        const items: RespValue[] = [];
        let p = next;
        for (let i = 0; i < n; i++) {
          const r = this.parse(p);
          if (r === INCOMPLETE) return INCOMPLETE;
          items.push(r.value);
          p = r.end;
        }
        return { value: items, end: p };
      }
      default:
        throw new Error(`RESP protocol error: unexpected type byte ${JSON.stringify(type)} in ${JSON.stringify(this.buf.toString('utf8', pos, Math.min(this.buf.length, pos + 60)))}`);
    }
  }
}
