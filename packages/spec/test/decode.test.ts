/** File bytes: strict UTF-8 with the first bad byte located; a BOM and CRLF accepted with unchanged positions. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeSpecBytes, firstInvalidUtf8, parseEnvironment } from '../src/index.ts';
import { CLUSTERS, FILE, positionIn, problems, ROOT, VALID } from './helpers.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('decodeSpecBytes', () => {
  it('reads plain UTF-8 as is, non-ASCII included', () => {
    const text = `${VALID}# café, 日本, 🚀\n`;
    expect(decodeSpecBytes(utf8(text), FILE)).toEqual({ text, diagnostics: [] });
  });

  it('drops a UTF-8 byte-order mark', () => {
    expect(decodeSpecBytes(concat([0xef, 0xbb, 0xbf], utf8(VALID)), FILE)).toEqual({ text: VALID, diagnostics: [] });
  });

  it('reads CRLF (and lone CR) line ends as LF', () => {
    expect(decodeSpecBytes(utf8(VALID.replace(/\n/g, '\r\n')), FILE).text).toBe(VALID);
    expect(decodeSpecBytes(utf8(VALID.replace(/\n/g, '\r')), FILE).text).toBe(VALID);
  });

  it('refuses a Latin-1 byte at its line:col', () => {
    // "café" saved as Latin-1: é is the single byte 0xE9 (every character here is below 256).
    const text = VALID.replace('tier: dev', 'tier: dev # café');
    const latin1 = Uint8Array.from(text, (ch) => ch.charCodeAt(0));
    const r = decodeSpecBytes(latin1, FILE);
    expect(r.text).toBeUndefined();
    expect(r.diagnostics).toEqual([
      {
        file: FILE,
        ...positionIn(text, 'é'),
        path: '',
        message: 'is not UTF-8: byte 0xE9 here is not a valid UTF-8 character',
        hint: expect.stringMatching(/save the file as UTF-8/),
      },
    ]);
  });

  it('counts the column in characters after multi-byte UTF-8, and lines after a BOM and CRLF', () => {
    const text = 'a: 1\r\nb: "日本 x"\r\n';
    const bytes = concat([0xef, 0xbb, 0xbf], utf8(text));
    const bad = bytes.lastIndexOf(0x78); // the x
    bytes[bad] = 0xff;
    const [d] = decodeSpecBytes(bytes, FILE).diagnostics;
    expect(d).toMatchObject(positionIn(text.replace(/\r/g, ''), 'x'));
    expect(d!.message).toMatch(/byte 0xFF/);
  });

  it('points at the lead byte of a truncated sequence at the end of the file', () => {
    const text = 'a: 1\nb: 2';
    const [d] = decodeSpecBytes(concat(utf8(text), [0xe6, 0x97]), FILE).diagnostics;
    expect(d).toMatchObject({ line: 2, col: 'b: 2'.length + 1 });
    expect(d!.message).toMatch(/byte 0xE6/);
  });

  it('refuses UTF-16 (byte-order mark) and NUL bytes', () => {
    expect(decodeSpecBytes(Uint8Array.from([0xff, 0xfe, 0x61, 0]), FILE).diagnostics[0]).toMatchObject({ line: 1, col: 1, message: expect.stringMatching(/UTF-16/) });
    const text = 'a: 1\nb: 2\n';
    const bytes = utf8(text);
    bytes[text.indexOf('2')] = 0;
    expect(decodeSpecBytes(bytes, FILE).diagnostics[0]).toMatchObject({ ...positionIn(text, '2'), message: expect.stringMatching(/NUL byte/) });
  });
});

describe('firstInvalidUtf8 agrees with a fatal TextDecoder', () => {
  // Deterministic pseudo-random bytes, biased towards the interesting lead and continuation bytes.
  let seed = 12345;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  const interesting = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
  const cases = Array.from({ length: 3000 }, () => Uint8Array.from({ length: 1 + (next() % 8) }, () => (next() % 2 ? interesting[next() % interesting.length]! : next() % 256)));

  it('on thousands of byte strings: -1 exactly when the decoder accepts, else the prefix before it is valid', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const ok = (b: Uint8Array) => {
      try {
        fatal.decode(b);
        return true;
      } catch {
        return false;
      }
    };
    for (const bytes of cases) {
      const at = firstInvalidUtf8(bytes);
      expect({ bytes: [...bytes], valid: at === -1 }).toEqual({ bytes: [...bytes], valid: ok(bytes) });
      if (at >= 0) expect(ok(bytes.subarray(0, at))).toBe(true);
    }
  });
});

describe('a BOM and CRLF do not change what is read or where errors point', () => {
  const variants = (text: string) =>
    [
      ['LF', utf8(text)],
      ['CRLF', utf8(text.replace(/\n/g, '\r\n'))],
      ['BOM + CRLF', concat([0xef, 0xbb, 0xbf], utf8(text.replace(/\n/g, '\r\n')))],
    ] as const;

  it.each(variants(readFileSync(path.join(ROOT, 'environments/prod-x86/environment.yaml'), 'utf8')))('%s: the example environment parses to the same spec', (_, bytes) => {
    const file = 'environments/prod-x86/environment.yaml';
    const lf = parseEnvironment(readFileSync(path.join(ROOT, file), 'utf8'), file, CLUSTERS).spec;
    expect(parseEnvironment(decodeSpecBytes(bytes, file).text!, file, CLUSTERS).spec).toEqual(lf);
  });

  const broken = VALID.replace('shards: 3', 'shard: 3').replace('tier: dev', 'tier: prod');
  it.each(variants(broken))('%s: errors at the same line:col', (_, bytes) => {
    expect(problems(decodeSpecBytes(bytes, FILE).text!)).toEqual(problems(broken));
  });
});
