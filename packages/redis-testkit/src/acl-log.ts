/**
 * ACL LOG, parsed: the tests' proof that nobody was refused (reason auth) or denied a command
 * (reason command, key, channel) while the charts' system users and the applications worked.
 */
import type { RespValue } from './resp.ts';

export interface AclLogEntry {
  /** auth (a refused login), command, key or channel. */
  readonly reason: string;
  readonly username: string;
  /** The command, key or channel that was denied (for auth: AUTH). */
  readonly object: string;
  /** The client's address (ip:port) from client-info. */
  readonly clientAddr: string;
  readonly count: number;
}

/** The reply of ACL LOG as entries, newest first (as Redis lists them). */
export function parseAclLog(reply: RespValue): AclLogEntry[] {
  return ((reply ?? []) as RespValue[][]).map((e) => {
    const m = new Map<string, RespValue>();
    for (let i = 0; i + 1 < e.length; i += 2) m.set(String(e[i]), e[i + 1]!);
    return {
      reason: String(m.get('reason')),
      username: String(m.get('username')),
      object: String(m.get('object')),
      clientAddr: /addr=(\S+)/.exec(String(m.get('client-info')))?.[1] ?? '',
      count: Number(m.get('count') ?? 1),
    };
  });
}

/** The refused logins (reason auth) of an ACL LOG reply. */
export function refusedLoginsOf(reply: RespValue): AclLogEntry[] {
  return parseAclLog(reply).filter((e) => e.reason === 'auth');
}
