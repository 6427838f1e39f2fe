/**
 * Unit tests of the pure ACL rule checker (src/acl-rules.ts): where a problem points (offset,
 * length, token), what its message and hint say, the rules the project refuses, selectors and
 * case handling. Whether a verdict matches Redis is proven against a real server in
 * packages/cli/test/acl-rules-redis.test.ts; here the wording and positions are the contract.
 */
import { describe, expect, it } from '@jest/globals';
import { aclRuleTokens, checkAclRules } from '../src/acl-rules.ts';
import TABLE from '../src/generated/redis-acl-commands.json' with { type: 'json' };

/** The single problem of `rules`; fails when there are none or several. */
function only(rules: string) {
  const problems = checkAclRules(rules);
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

describe('aclRuleTokens', () => {
  it('splits on spaces, tabs and line breaks, dropping empty tokens', () => {
    expect(aclRuleTokens('  ~app:*\t+@read\r\n+get  ')).toEqual(['~app:*', '+@read', '+get']);
    expect(aclRuleTokens('')).toEqual([]);
    expect(aclRuleTokens(' \n\t ')).toEqual([]);
  });

  it('keeps characters Redis does not split on inside the token', () => {
    expect(aclRuleTokens('+get\u00a0+set ~a\u000bb')).toEqual(['+get\u00a0+set', '~a\u000bb']);
  });

  it('keeps selector tokens as they are; Redis joins them', () => {
    expect(aclRuleTokens('( +get ~a )')).toEqual(['(', '+get', '~a', ')']);
  });
});

describe('checkAclRules accepts what Redis 7.0 accepts', () => {
  it.each([
    '',
    '~app:* &app:* +@read +@write -@dangerous',
    '%R~cache:* +get +mget +client|setname',
    '%W~log:* %RW~app:* %rw~x:*',
    'allkeys allchannels allcommands',
    'resetkeys resetchannels nocommands clearselectors',
    'allkeys resetkeys ~a',
    '%R~* ~foo',
    '+config|get -config|set +CONFIG|RESETSTAT',
    '-@all +select|0 +select|1',
    '+@all -@DANGEROUS',
    '-flushall -FLUSHDB',
    '(+get ~a) (+set ~b)',
    '( +get ~a )',
    '()',
    '~a)',
    'allkeys (~a)',
    'sanitize-payload',
  ])('%j', (rules) => {
    expect(checkAclRules(rules)).toEqual([]);
  });

  it('accepts every category of the committed table, in any case, with + and -', () => {
    const rules = Object.keys(TABLE.categories).flatMap((c) => [`+@${c}`, `-@${c.toUpperCase()}`]);
    expect(rules.length).toBeGreaterThan(20);
    expect(checkAclRules(rules.join(' '))).toEqual([]);
  });
});

describe('where a problem points', () => {
  it('gives the offset and length of the bad token, for every bad token', () => {
    const rules = '~app:*   +gett\t+@read +@raed';
    const problems = checkAclRules(rules);
    expect(problems.map((p) => [p.offset, p.length, p.token])).toEqual([
      [rules.indexOf('+gett'), 5, '+gett'],
      [rules.indexOf('+@raed'), 6, '+@raed'],
    ]);
  });

  it('points inside a selector at the rule, without the parentheses', () => {
    const rules = '+get (+gett ~a +sett)';
    expect(checkAclRules(rules).map((p) => [p.offset, p.token])).toEqual([
      [rules.indexOf('gett') - 1, '+gett'],
      [rules.indexOf('+sett'), '+sett'],
    ]);
  });

  it('lists the problems in the order of the string', () => {
    const rules = '+gett ~"a" +sett';
    expect(checkAclRules(rules).map((p) => p.token)).toEqual(['+gett', '~"a"', '+sett']);
  });

  it('points at the token that opens a selector that is never closed', () => {
    const rules = '+get (+set ~a';
    const p = checkAclRules(rules).find((x) => x.message.includes('never closed'));
    expect(p).toMatchObject({ offset: rules.indexOf('('), token: '(+set' });
  });
});

describe('messages and hints', () => {
  it('suggests the closest command for a misspelt one', () => {
    const p = only('+gett');
    expect(p.message).toContain("unknown command 'gett'");
    expect(p.hint).toContain("did you mean '+get'?");
  });

  it('suggests the closest category and lists every category of the table', () => {
    const p = only('-@raed');
    expect(p.message).toContain("unknown category '@raed'");
    expect(p.hint).toContain("did you mean '-@read'?");
    for (const c of ['all', ...Object.keys(TABLE.categories)]) expect(p.hint).toContain(`@${c}`);
  });

  it('names the subcommands of a command for a wrong subcommand', () => {
    const p = only('+config|gett');
    expect(p.message).toContain("'config' has no subcommand 'gett'");
    expect(p.hint).toContain("did you mean '+config|get'?");
    for (const s of TABLE.commands.config) expect(p.hint).toContain(s);
  });

  it('explains that a first argument can be allowed but not denied', () => {
    const p = only('-select|0');
    expect(p.message).toContain('cannot deny one first argument');
    expect(p.hint).toContain('-select');
  });

  it('explains that a subcommand takes no first argument', () => {
    expect(only('+config|get|maxmemory').hint).toContain('+config|get');
  });

  it('says what follows % in a key permission', () => {
    expect(only('%X~a').message).toContain("'X' is not one of them");
    expect(only('%RR~a').message).toContain('each once');
    expect(only('%~a').hint).toContain('%R~<pattern>');
  });

  it('refuses a pattern after allkeys or allchannels in the same selector, naming the fix', () => {
    expect(only('allkeys ~app:*').hint).toContain('resetkeys');
    expect(only('&* &news').hint).toContain('resetchannels');
    expect(only('(~* ~a)').message).toContain('this selector');
  });

  it('tells a bare command or category to take + or -', () => {
    expect(only('get').hint).toBe('write +get to allow it or -get to deny it');
    expect(only('@read').hint).toBe('write +@read to allow it or -@read to deny it');
  });

  it('suggests the closest keyword for a misspelt one', () => {
    expect(only('allkey').hint).toBe("did you mean 'allkeys'?");
  });

  it('refuses selectors inside selectors and rules that only apply to a user', () => {
    expect(only('(+get (+set)').message).toContain('do not nest');
    expect(only('(clearselectors)').message).toContain('not allowed inside a selector');
    expect(only('+get )').message).toContain('never opened');
    expect(only('+get)').message).toContain('no selector is open');
  });
});

describe('case', () => {
  it('treats names and keywords case-insensitively, like Redis', () => {
    expect(checkAclRules('+GET +Config|Get -@READ ALLKEYS AllChannels NoCommands')).toEqual([]);
  });

  it('folds ASCII letters only, like strcasecmp (the Kelvin sign is not a K)', () => {
    expect(only('allkeys'.replace('k', '\u212a')).message).toContain('unknown rule');
  });
});

describe('rules the chart owns are refused', () => {
  it.each(['on', 'off', 'ON', 'Off', 'nopass', 'resetpass', 'reset', 'RESET', '>s3cret', '<s3cret', `#${'ab'.repeat(32)}`, `!${'ab'.repeat(32)}`])('%s', (rule) => {
    const rules = `+get ${rule} ~a`;
    expect(only(rules)).toMatchObject({ offset: 5, length: rule.length, token: rule });
    expect(only(rules).hint).toContain('passwordKeys');
  });

  it('does not repeat a password in the message or hint', () => {
    const p = only('>s3cret');
    expect(`${p.message} ${p.hint}`).not.toContain('s3cret');
  });

  it('refuses them inside a selector too', () => {
    expect(only('(+get on)').token).toBe('on');
    expect(only('(>pw)').token).toBe('>pw');
  });
});

describe('characters that would break the redis.conf user line', () => {
  it.each([
    ['~"app"', 'quote'],
    ["&it's", 'quote'],
    ['~a\u0000b', 'U+0000'],
    ['~a\u0001b', 'U+0001'],
    ['~a\u000bb', 'U+000B'],
    ['~a\u007f', 'U+007F'],
    ['+get\u00a0+set', 'U+00A0'],
  ])('%j', (token, what) => {
    const p = only(`+get ${token}`);
    expect(p).toMatchObject({ offset: 5, token });
    expect(p.message).toContain(what);
  });
});
