/**
 * A content digest of a packaged chart (.tgz) that ignores tar metadata (mtimes, owners), so the
 * same chart sources give the same digest on any machine and any checkout. Pure.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { byCodePoint } from '@redis-gitops/diagnostics';

export interface TarEntry {
  readonly name: string;
  readonly content: Buffer;
}

/** Regular files of a ustar/pax archive (enough for helm packages), sorted by name. */
export function tarEntries(tgz: Buffer): TarEntry[] {
  const tar = gunzipSync(tgz);
  const out: TarEntry[] = [];
  let longName: string | undefined;
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number) =>
      header
        .subarray(start, start + len)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    const body = tar.subarray(off + 512, off + 512 + size);
    let name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (m) longName = m[1];
    } else if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, '');
    } else if (type === '0') {
      out.push({ name, content: Buffer.from(body) });
    }
    off += 512 + Math.ceil(size / 512) * 512;
    name = '';
  }
  return out.sort((a, b) => byCodePoint(a.name, b.name));
}

export function chartDigest(tgz: Buffer): string {
  const h = createHash('sha256');
  for (const e of tarEntries(tgz)) {
    h.update(`${e.name}\0${e.content.length}\0`);
    h.update(e.content);
  }
  return h.digest('hex');
}
