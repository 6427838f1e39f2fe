/**
 * Turns the bytes of a spec file into text, or says exactly where it is not text we read.
 *
 * The file format (documented in docs/environment-spec.md):
 * - UTF-8 only. The first byte that is not UTF-8 is reported with its line:col, so a file saved as
 *   Latin-1 or Windows-1252 is refused instead of read with replacement characters.
 * - A UTF-8 byte-order mark is accepted and dropped (editors on Windows add one).
 * - CRLF (and lone CR) line ends are accepted and read as LF, so values and positions are the same
 *   as for the LF file.
 * - UTF-16 (a UTF-16 byte-order mark, or NUL bytes) is refused with a hint to save as UTF-8.
 */
import type { Diagnostic } from '@redis-gitops/diagnostics';

const BOM = [0xef, 0xbb, 0xbf];

/**
 * Offset of the first byte that is not part of a well-formed UTF-8 sequence (WHATWG / Unicode
 * rules: no overlong forms, no surrogates, nothing above U+10FFFF), or -1 when all are.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      // A truncated or broken sequence: the lead byte is where the bad text starts.
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** 1-based line and column (in UTF-16 units, like every other position we report) of a byte offset. */
function positionOfByte(bytes: Uint8Array, offset: number, start: number): { line: number; col: number } {
  let line = 1;
  let lineStart = start;
  for (let i = start; i < offset; i++) {
    const b = bytes[i];
    if (b === 0x0a || (b === 0x0d && bytes[i + 1] !== 0x0a)) {
      line++;
      lineStart = i + 1;
    }
  }
  // The bytes of the line before `offset` are valid UTF-8 (offset is the first bad one).
  const before = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset));
  return { line, col: before.length + 1 };
}

function hex(b: number): string {
  return `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;
}

/**
 * Decodes a spec file: strict UTF-8, a leading BOM dropped, CRLF and CR read as LF. On bytes that
 * are not UTF-8 (or look like UTF-16), returns one diagnostic at the first bad byte and no text.
 */
export function decodeSpecBytes(bytes: Uint8Array, file: string): { text?: string; diagnostics: Diagnostic[] } {
  const fail = (line: number, col: number, message: string, hint: string) => ({ diagnostics: [{ file, line, col, path: '', message, hint }] });
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return fail(1, 1, 'is UTF-16 (it starts with a UTF-16 byte-order mark); spec files must be UTF-8', 'save the file as UTF-8 (in most editors: "Save with encoding" → UTF-8)');
  }
  const start = BOM.every((b, i) => bytes[i] === b) ? BOM.length : 0;
  let text: string;
  try {
    // ignoreBOM: true because the BOM, if any, is already skipped: a second one would be content.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(start));
  } catch {
    // The decoder only says "invalid"; find the first bad byte to point at it.
    const at = start + Math.max(0, firstInvalidUtf8(bytes.subarray(start)));
    const { line, col } = positionOfByte(bytes, at, start);
    return fail(
      line,
      col,
      `is not UTF-8: byte ${hex(bytes[at]!)} here is not a valid UTF-8 character`,
      'save the file as UTF-8 (it looks like Latin-1 or Windows-1252: `iconv -f latin1 -t utf-8`), or retype the character',
    );
  }
  const nul = bytes.indexOf(0, start);
  if (nul >= 0) {
    const { line, col } = positionOfByte(bytes, nul, start);
    return fail(line, col, 'contains a NUL byte: this is not a text file, or it is UTF-16', 'save the file as UTF-8 text');
  }
  return { text: text.replace(/\r\n?/g, '\n'), diagnostics: [] };
}
