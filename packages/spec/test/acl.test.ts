/**
 * spec.auth.acl: defaults, and the problems a schema cannot express, each reported at the exact
 * file:line:col (for a bad rule, the column of the bad token inside the rules string).
 */
import { describe, expect, it } from '@jest/globals';
import { parse, positionIn, problems, VALID } from './helpers.ts';

const withAcl = (block: string) => `${VALID}    acl:\n${block}`;

describe('spec.auth.acl', () => {
  it('is off when absent (one shared password), and resolves its defaults when present', () => {
    expect(parse(VALID).resolved.auth.acl.enabled).toBe(false);
    const acl = parse(withAcl('      users:\n        - name: orders\n          passwordKeys: [password]\n          rules: "~orders:* +@read"\n')).resolved.auth.acl;
    expect(acl).toEqual({
      enabled: true,
      defaultUser: { enabled: true, rules: '~* &* +@all' },
      systemSecrets: ['redis-auth'],
      users: [{ name: 'orders', existingSecret: 'redis-auth', passwordKeys: ['password'], rules: '~orders:* +@read' }],
    });
  });

  it.each([
    ['a plain scalar', '          rules: ~orders:* +gett\n', '+gett', 0],
    ['a double-quoted scalar', '          rules: "~orders:* +gett"\n', '+gett', 0],
    ['a single-quoted scalar', "          rules: '~orders:* +gett'\n", '+gett', 0],
  ])('points at the bad token of a rule string in %s', (_what, rulesLine, token, offset) => {
    const text = withAcl(`      users:\n        - name: orders\n          passwordKeys: [password]\n${rulesLine}`);
    const d = problems(text);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ path: 'spec.auth.acl.users[0].rules', ...positionIn(text, token, offset) });
    expect(d[0]!.message).toMatch(/gett/);
    expect(d[0]!.hint).toMatch(/get/);
  });

  it('refuses passwords and on/off inside rules: the chart manages them', () => {
    const text = withAcl('      users:\n        - name: orders\n          passwordKeys: [password]\n          rules: "on >secret ~orders:* +@read"\n');
    const d = problems(text);
    expect(d.map((x) => x.col)).toEqual([positionIn(text, 'on >secret').col, positionIn(text, '>secret').col]);
    expect(d.map((x) => x.message).join('\n')).not.toMatch(/secret/);
  });

  it('checks the default user rules too', () => {
    const text = withAcl('      defaultUser:\n        rules: "~* +@raed"\n');
    const d = problems(text);
    expect(d).toEqual([expect.objectContaining({ path: 'spec.auth.acl.defaultUser.rules', ...positionIn(text, '+@raed') })]);
  });

  it.each([
    ['a reserved name', '        - name: operator\n          passwordKeys: [p]\n          rules: "+@read"\n', 'spec.auth.acl.users[0].name', /reserved/, 'operator'],
    ['default', '        - name: default\n          passwordKeys: [p]\n          rules: "+@read"\n', 'spec.auth.acl.users[0].name', /reserved/, 'default'],
    [
      'a user listed twice',
      '        - name: orders\n          passwordKeys: [p]\n          rules: "+@read"\n        - name: orders\n          passwordKeys: [q]\n          rules: "+@read"\n',
      'spec.auth.acl.users[1].name',
      /already declared at spec.auth.acl.users\[0\]/,
      'orders\n          passwordKeys: [q]',
    ],
  ])('rejects %s', (_what, users, path, message, marker) => {
    const text = withAcl(`      users:\n${users}`);
    const d = problems(text);
    expect(d).toEqual([expect.objectContaining({ path, message: expect.stringMatching(message), ...positionIn(text, marker) })]);
  });

  it('rejects a disabled default user with no application user: nobody could log in', () => {
    const text = withAcl('      defaultUser:\n        enabled: false\n');
    expect(problems(text)).toEqual([expect.objectContaining({ path: 'spec.auth.acl.defaultUser.enabled', message: expect.stringMatching(/no application user/) })]);
  });

  it('rejects a user without password keys, and more than three (schema)', () => {
    const none = problems(withAcl('      users:\n        - name: orders\n          passwordKeys: []\n          rules: "+@read"\n'));
    expect(none.map((d) => d.path)).toContain('spec.auth.acl.users[0].passwordKeys');
    const many = problems(withAcl('      users:\n        - name: orders\n          passwordKeys: [a, b, c, d]\n          rules: "+@read"\n'));
    expect(many.map((d) => d.path)).toContain('spec.auth.acl.users[0].passwordKeys');
  });
});
