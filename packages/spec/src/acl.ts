/**
 * The ACL rules a schema cannot express for `spec.auth.acl`: user names that are reserved or
 * repeated, a Secret key listed twice, rule strings Redis would refuse (checkAclRules, with the
 * offset of the bad token so the error points at it), and an ACL nobody could log in with.
 */
import { checkAclRules } from './acl-rules.ts';
import type { Acl } from './types.ts';
import type { PathSegment } from './yaml-source.ts';

/** The chart's own users (see the charts' `redis-common.aclSystemUsers`); each one a key of every system Secret. */
export const SYSTEM_USERS = ['replicator', 'sentinel', 'monitor', 'backup', 'operator'] as const;
export type SystemUser = (typeof SYSTEM_USERS)[number];

export interface AclProblem {
  /** Below spec.auth.acl. */
  readonly path: readonly PathSegment[];
  /** Character offset inside the string at `path`, when the problem is one token of it. */
  readonly offset?: number;
  readonly message: string;
  readonly hint: string;
}

export function checkAcl(acl: Acl | undefined): AclProblem[] {
  const out: AclProblem[] = [];
  if (!acl) return out;
  const rules = (path: PathSegment[], text: string) => {
    for (const p of checkAclRules(text)) out.push({ path, offset: p.offset, message: p.message, hint: p.hint });
  };
  if (acl.defaultUser?.rules !== undefined) rules(['defaultUser', 'rules'], acl.defaultUser.rules);
  const seen = new Map<string, number>();
  (acl.users ?? []).forEach((u, i) => {
    if (u.name === 'default' || (SYSTEM_USERS as readonly string[]).includes(u.name)) {
      out.push({
        path: ['users', i, 'name'],
        message: `"${u.name}" is reserved`,
        hint: `the chart defines default and its system users (${SYSTEM_USERS.join(', ')}); name the application, e.g. "${u.name}-app"`,
      });
    }
    const first = seen.get(u.name);
    if (first !== undefined)
      out.push({
        path: ['users', i, 'name'],
        message: `"${u.name}" is already declared at spec.auth.acl.users[${first}]`,
        hint: 'list each user once; give it several passwordKeys to accept several passwords',
      });
    else seen.set(u.name, i);
    rules(['users', i, 'rules'], u.rules);
  });
  if (acl.defaultUser?.enabled === false && (acl.users ?? []).length === 0) {
    out.push({
      path: ['defaultUser', 'enabled'],
      message: 'disables the default user, and no application user is declared',
      hint: 'declare the applications in spec.auth.acl.users, or keep the default user (restricted by defaultUser.rules)',
    });
  }
  return out;
}
