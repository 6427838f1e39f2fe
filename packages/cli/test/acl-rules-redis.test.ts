/**
 * checkAclRules (packages/spec/src/acl-rules.ts) against a REAL redis-server: for every rule string
 * of the corpus, the checker finds no problem exactly when `ACL SETUSER probe-<n> <tokens...>`
 * (tokens as separate RESP arguments, split by aclRuleTokens) answers OK.
 *
 * The corpus is hand-written (typos in commands and categories, bad subcommands, first arguments,
 * selectors, key permissions, patterns after allkeys, odd spacing, uppercase) plus rules built
 * from the committed table src/generated/redis-acl-commands.json (every category, command and
 * subcommand, allowed and denied, and a misspelling of each), so the table and the server cannot
 * drift apart silently. The server must be the version the table was read from, and must know
 * exactly the table's commands and categories.
 * Rules the project refuses although Redis accepts them (on/off, passwords, reset, quotes,
 * control characters) are checked separately: the checker points at them, Redis says OK.
 * One redis-server in a Sandbox; a missing binary fails the suite (never skipped).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RedisReplyError, RespConnection, Sandbox, type Pod } from '@redis-gitops/redis-testkit';
import { aclRuleTokens, checkAclRules } from '@redis-gitops/spec';
import TABLE from '../../spec/src/generated/redis-acl-commands.json' with { type: 'json' };

const commands: Record<string, readonly string[]> = TABLE.commands;
const categories: Record<string, readonly string[]> = TABLE.categories;

/** Hand-written rule strings, valid and invalid; what is right is decided by the server, not here. */
const HAND_CORPUS: readonly string[] = [
  '',
  '   ',
  '~app:* &app:* +@read +@write -@dangerous',
  '%R~cache:* +get +mget +client|setname',
  '+get',
  '+GET',
  '+Get +SeT',
  '+gett',
  '+@read',
  '+@READ',
  '+@raed',
  '-@Dangerous',
  '-@dangerus',
  '+@all',
  '-@ALL',
  'allcommands',
  'AllCommands -flushall',
  'nocommands +ping',
  'allkeys',
  'ALLKEYS',
  'allkeys ~foo',
  '~* ~foo',
  '~* %R~foo',
  '%R~* ~foo',
  'allkeys resetkeys ~a',
  'resetkeys ~a ~b',
  'allchannels',
  'allchannels &news',
  '&* &news',
  'resetchannels &a allchannels',
  '&news:* &alerts',
  '~',
  '&',
  '%R~cache:*',
  '%W~log:*',
  '%RW~app:*',
  '%WR~app:*',
  '%rw~app:*',
  '%R',
  '%R~',
  '%',
  '%~a',
  '%X~a',
  '%RR~a',
  '%RWR~a',
  '+config|get',
  '+CONFIG|Get',
  '-config|set',
  '+config|gett',
  '-config|nosuch',
  '+config|get|maxmemory',
  '-config|get|x',
  '+config|',
  '-config|',
  '+config||get',
  '+client|setname +client|id',
  '+acl|whoami',
  '+select|0',
  '-select|0',
  '-@all +select|0 +select|1',
  '+debug|object',
  '+get|foo',
  '+get|a|b',
  '+get|',
  '+get||',
  '+|',
  '-|',
  '+',
  '-',
  '+@',
  '-@',
  '+@all|x',
  '+@read|x',
  '++get',
  '+-get',
  'get',
  'read',
  '@read',
  'allkey',
  'clearselector',
  'x',
  'clearselectors',
  'sanitize-payload',
  'SKIP-SANITIZE-PAYLOAD',
  '(+get ~a)',
  '(+get ~a) (+set ~b)',
  '( +get )',
  '( )',
  '()',
  '(+get',
  '+get (+set ~a',
  '(+get (+set)',
  ')',
  '+get)',
  '~a)',
  '(+get) )',
  '(allkeys ~a)',
  '(~* ~a)',
  '(&* &a)',
  'allkeys (~a)',
  'allchannels (&a)',
  '(clearselectors)',
  '(allcommands nocommands)',
  '(+config|get)',
  '(-select|0)',
  '(+select|0 %R~x)',
  '(+gett)',
  '(+@raed ~a)',
  '(~a\t+get)',
  '  +get\t\t~a*\n&b  ',
  '+get\n+set\r\n~k:*',
  '+get\u00a0+set',
  '~ключ:* +get',
  '~a b',
  '+get ~a\u000bb',
  '+ping +echo -@all',
  '+config|get|',
  '-@all|x',
  '+SELECT|0',
  '-get|',
  '( +get',
  '(~a) (~b',
  'resetkeys allkeys %R~a',
  '%RW',
  '%W~',
  '~* allkeys',
  '&* resetchannels &a',
  '~a|b &c|d',
  '(+@all -@dangerous ~app:* &app:*) +ping',
  '+@read -keys -scan',
];

/** Rules the server accepts but the project refuses; `tokens` are the ones to point at. */
const REFUSED: readonly { readonly rules: string; readonly tokens: readonly string[] }[] = [
  { rules: 'on +get', tokens: ['on'] },
  { rules: '+get OFF', tokens: ['OFF'] },
  { rules: 'nopass ~a', tokens: ['nopass'] },
  { rules: 'resetpass', tokens: ['resetpass'] },
  { rules: '+get reset', tokens: ['reset'] },
  { rules: '>s3cret +get', tokens: ['>s3cret'] },
  { rules: '>pw <pw', tokens: ['>pw', '<pw'] },
  { rules: `#${'a1'.repeat(32)}`, tokens: [`#${'a1'.repeat(32)}`] },
  { rules: `#${'b2'.repeat(32)} !${'b2'.repeat(32)}`, tokens: [`#${'b2'.repeat(32)}`, `!${'b2'.repeat(32)}`] },
  { rules: '~"quoted" +get', tokens: ['~"quoted"'] },
  { rules: "+get &it's", tokens: ["&it's"] },
  { rules: '~a\u0001b', tokens: ['~a\u0001b'] },
  { rules: '+get ~a\u007f', tokens: ['~a\u007f'] },
];

/** Rule strings built from the committed table: everything in it must be accepted, misspellings refused. */
function tableCorpus(): string[] {
  const out: string[] = [];
  for (const cat of Object.keys(categories)) out.push(`+@${cat}`, `-@${cat}`, `+@${cat.toUpperCase()}`, `+@${cat}x`, `-@${cat.slice(1)}`);
  for (const [cmd, subs] of Object.entries(commands)) {
    out.push(`+${cmd}`, `-${cmd.toUpperCase()}`, `+${cmd}q`, `-${cmd.slice(0, -1)}`);
    if (subs.length === 0) out.push(`+${cmd}|firstarg`, `-${cmd}|firstarg`);
    else out.push(`+${cmd}|nosuchsub`, `-${cmd}|${subs[0]}x`);
    for (const sub of subs) out.push(`+${cmd}|${sub}`, `-${cmd}|${sub.toUpperCase()}`, `+${cmd}|${sub}|arg`, `(+${cmd}|${sub} ~k:*)`);
  }
  return out;
}

let sandbox: Sandbox | undefined;
let pod: Pod | undefined;
let conn: RespConnection | undefined;
let probes = 0;

/** `OK`, or the server's error text. */
async function setUser(tokens: readonly string[]): Promise<string> {
  probes += 1;
  try {
    return String(await conn!.call('ACL', 'SETUSER', `probe-${probes}`, ...tokens));
  } catch (e) {
    if (e instanceof RedisReplyError) return e.reply;
    throw e;
  }
}

/** The rules that disagree: checker verdict vs server reply, for one readable failure. */
async function disagreements(corpus: readonly string[]): Promise<{ agreeing: { accepted: number; refused: number }; differ: string[] }> {
  const differ: string[] = [];
  const agreeing = { accepted: 0, refused: 0 };
  for (const rules of corpus) {
    const problems = checkAclRules(rules);
    const reply = await setUser(aclRuleTokens(rules));
    if ((problems.length === 0) === (reply === 'OK')) agreeing[reply === 'OK' ? 'accepted' : 'refused'] += 1;
    else differ.push(`${JSON.stringify(rules)}: redis says ${JSON.stringify(reply)}, checker says ${problems.length === 0 ? 'ok' : problems.map((p) => `${p.token}: ${p.message}`).join(' | ')}`);
  }
  return { agreeing, differ };
}

beforeAll(async () => {
  sandbox = await Sandbox.create({ name: 'acl-rules-redis', requires: ['redis-server'] });
  pod = await sandbox.createPod('acl');
  await pod.start({ kind: 'redis-server', args: ['--save', '', '--appendonly', 'no'] });
  conn = await RespConnection.open(pod.connection());
});

afterAll(async () => {
  conn?.close();
  await sandbox?.cleanup();
});

describe('the committed command table is what this redis-server knows', () => {
  it('comes from the same Redis version', async () => {
    expect((await pod!.info('server')).redis_version).toBe(TABLE.redisVersion);
  });

  it('lists every command and every category of the server', async () => {
    expect(await conn!.call('COMMAND', 'COUNT')).toBe(Object.keys(commands).length);
    expect(await conn!.call('ACL', 'CAT')).toEqual(Object.keys(categories));
  });
});

describe('checkAclRules agrees with ACL SETUSER', () => {
  it('on the hand-written corpus', async () => {
    const { agreeing, differ } = await disagreements(HAND_CORPUS);
    expect(differ).toEqual([]);
    // Both verdicts must be well represented, or the agreement proves little.
    expect(agreeing.accepted).toBeGreaterThanOrEqual(30);
    expect(agreeing.refused).toBeGreaterThanOrEqual(30);
  });

  it('on rules built from every category, command and subcommand of the table', async () => {
    const corpus = tableCorpus();
    const { agreeing, differ } = await disagreements(corpus);
    expect(differ).toEqual([]);
    expect(agreeing.accepted + agreeing.refused).toBe(corpus.length);
    expect(agreeing.accepted).toBeGreaterThan(500);
    expect(agreeing.refused).toBeGreaterThan(500);
  });
});

describe('rules the project refuses although Redis accepts them', () => {
  it.each(REFUSED)('$rules', async ({ rules, tokens }) => {
    expect(await setUser(aclRuleTokens(rules))).toBe('OK');
    expect(checkAclRules(rules)).toEqual(tokens.map((token) => expect.objectContaining({ offset: rules.indexOf(token), length: token.length, token })));
  });
});
