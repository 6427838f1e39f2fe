/**
 * A pure checker for one Redis ACL rule string (`spec.auth.acl.users[].rules`), e.g.
 * `~app:* &app:* +@read +@write -@dangerous`: it answers what `ACL SETUSER <user> <tokens...>` on
 * a fresh user of Redis 7.0 would answer, before anything reaches a cluster, and points at the
 * bad token (offset and length inside the string) with a message and a fix.
 *
 * It follows Redis 7.0's acl.c (ACLSetUser, ACLSetSelector, ACLMergeSelectorArguments): rules are
 * split on whitespace; keywords, command, subcommand and category names are case-insensitive
 * (ASCII); `(` opens a selector that ends with the first token ending in `)`; a key or channel
 * pattern after `allkeys`/`~*` (`allchannels`/`&*`) in the same selector is an error; `+cmd|arg`
 * allows a first argument of a command without subcommands, `-cmd|sub` only denies a real
 * subcommand. Command and category names come from src/generated/redis-acl-commands.json, read
 * from a real redis-server by bin/redis-acl-commands.ts; packages/cli/test/acl-rules-redis.test.ts
 * proves the checker against that server.
 *
 * Stricter than Redis on purpose (the chart owns these): `on`, `off`, passwords (`>`, `<`, `#`,
 * `!`, `nopass`, `resetpass`) and `reset`; and characters that would break the redis.conf `user`
 * line the chart writes (quotes, control characters). Assumes `acl-pubsub-default resetchannels`
 * (the 7.0 default): a new user starts without channels.
 */
import { closestMatch } from '@redis-gitops/diagnostics';
import TABLE_JSON from './generated/redis-acl-commands.json' with { type: 'json' };

export interface AclRuleProblem {
  /** Character offset of the bad token (or the bad rule inside a selector) in the rules string. */
  readonly offset: number;
  readonly length: number;
  readonly token: string;
  /** What is wrong, and what was expected. */
  readonly message: string;
  /** How to fix it. */
  readonly hint: string;
}

interface AclCommandTable {
  readonly redisVersion: string;
  /** Command -> its subcommands (lowercase). */
  readonly commands: Readonly<Record<string, readonly string[]>>;
  /** Category (no `@`) -> its commands. */
  readonly categories: Readonly<Record<string, readonly string[]>>;
}

const TABLE: AclCommandTable = TABLE_JSON;
const REDIS = `Redis ${TABLE.redisVersion}`;
const COMMANDS = new Map(Object.entries(TABLE.commands).map(([name, subs]) => [name, new Set(subs)]));
/** `@all` is not listed by ACL CAT but `+@all`/`-@all` are rules of their own. */
const CATEGORY_NAMES = ['all', ...Object.keys(TABLE.categories)];
const CATEGORY_LIST = CATEGORY_NAMES.map((c) => `@${c}`).join(', ');
const SELECTOR_KEYWORDS = ['allkeys', 'resetkeys', 'allchannels', 'resetchannels', 'allcommands', 'nocommands'];
const USER_KEYWORDS = ['clearselectors', 'sanitize-payload', 'skip-sanitize-payload'];
const RULE_FORMS =
  '+<command>, -<command>, +<command>|<subcommand>, +@<category>, -@<category>, ~<key pattern>, %R~ / %W~ / %RW~<key pattern>, &<channel pattern>, (<selector rules>), or a keyword: allkeys, resetkeys, allchannels, resetchannels, allcommands, nocommands, clearselectors';
const PASSWORD_HINT = 'passwords come from the Secret keys listed in passwordKeys; the chart switches users on and sets their passwords';

/** Whitespace Redis does not split on (it would become part of a rule). */
const UNICODE_SPACE = /[\u0085\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]/;

interface Token {
  readonly text: string;
  readonly offset: number;
}

/** The rules as Redis receives them from the chart: split on spaces, tabs and line breaks (other control characters are problems, see checkAclRules). */
export function aclRuleTokens(rules: string): string[] {
  return tokens(rules).map((t) => t.text);
}

function tokens(rules: string): Token[] {
  const out: Token[] = [];
  const re = /[^ \t\r\n]+/g;
  for (let m = re.exec(rules); m; m = re.exec(rules)) out.push({ text: m[0], offset: m.index });
  return out;
}

/** ASCII-only lowering, like strcasecmp (JS toLowerCase would map e.g. the Kelvin sign to k). */
function lower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Per-selector state that decides whether a later pattern is refused. */
interface SelectorState {
  allKeys: boolean;
  allChannels: boolean;
}

/**
 * The problems `ACL SETUSER <new user> <tokens...>` would report on Redis 7.0 (Redis stops at the
 * first; this lists every one), plus the rules this project refuses. [] = Redis 7.0 accepts it.
 */
export function checkAclRules(rules: string): AclRuleProblem[] {
  const problems: AclRuleProblem[] = [];
  const problem = (at: Token, message: string, hint: string) => problems.push({ offset: at.offset, length: at.text.length, token: at.text, message, hint });
  const all = tokens(rules);
  // Characters first: a token with one is reported once and not checked further.
  const clean = new Set<Token>();
  for (const t of all) {
    const bad = characterProblem(t.text);
    if (bad) problem(t, bad.message, bad.hint);
    else clean.add(t);
  }
  const root: SelectorState = { allKeys: false, allChannels: false };
  for (let i = 0; i < all.length; i++) {
    const t = all[i]!;
    // A selector spread over several tokens: from a token starting with '(' (and not ending with
    // ')') to the first later token ending with ')', as ACLMergeSelectorArguments joins them.
    if (t.text.startsWith('(') && !t.text.endsWith(')')) {
      let end = i + 1;
      while (end < all.length && !all[end]!.text.endsWith(')')) end++;
      if (end >= all.length) {
        problem(t, `the selector opened by '${t.text}' is never closed: no later rule ends with ')'`, `end the selector with ')', e.g. '(+get ~cache:*)'; a '(' outside a selector starts one`);
        end = all.length - 1;
      }
      checkSelector(all.slice(i, end + 1), clean, problem);
      i = end;
      continue;
    }
    if (!clean.has(t)) continue;
    if (t.text.length > 1 && t.text.startsWith('(') && t.text.endsWith(')')) {
      checkSelector([t], clean, problem);
      continue;
    }
    const refused = refusedRule(t.text);
    if (refused) {
      problem(t, refused.message, refused.hint);
      if (lower(t.text) === 'reset') {
        root.allKeys = false;
        root.allChannels = false;
      }
      continue;
    }
    if (USER_KEYWORDS.includes(lower(t.text))) continue;
    const bad = selectorRule(t.text, root, false);
    if (bad) problem(t, bad.message, bad.hint);
  }
  return problems.sort((a, b) => a.offset - b.offset);
}

type Complaint = { readonly message: string; readonly hint: string } | undefined;

function characterProblem(text: string): Complaint {
  const quote = /["']/.exec(text);
  if (quote)
    return {
      message: `'${text}' contains a quote (${quote[0]}); the chart writes rules unquoted into a redis.conf \`user\` line, where a quote starts a quoted argument`,
      hint: 'remove the quote; Redis ACL rules never need quotes (a key pattern with a quote character can use ? instead)',
    };
  // C0 controls and DEL (tab and line breaks separate rules, so they never reach a token).
  const control = [...text].find((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  if (control)
    return {
      message: `'${JSON.stringify(text).slice(1, -1)}' contains the control character U+${control.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}, which would break the redis.conf \`user\` line`,
      hint: 'remove it; separate rules with spaces or line breaks only',
    };
  const space = UNICODE_SPACE.exec(text);
  if (space)
    return {
      message: `'${text}' contains a non-ASCII space (U+${space[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}); Redis does not split on it, so it becomes part of the rule`,
      hint: 'replace it with an ordinary space',
    };
  return undefined;
}

/** Rules Redis accepts but the chart owns: switching users on/off and their passwords. */
function refusedRule(text: string): Complaint {
  const l = lower(text);
  if (l === 'on' || l === 'off') return { message: `'${text}' is not allowed in rules: the chart switches users on and off`, hint: `remove '${text}'; ${PASSWORD_HINT}` };
  if (l === 'nopass' || l === 'resetpass') return { message: `'${text}' is not allowed in rules: passwords are managed by the chart`, hint: `remove '${text}'; ${PASSWORD_HINT}` };
  if (l === 'reset')
    return {
      message: "'reset' is not allowed in rules: it also drops the user's passwords and switches it off, which the chart manages",
      hint: `remove it; a user starts with no commands, keys or channels, and resetkeys, resetchannels, nocommands and clearselectors clear them one by one; ${PASSWORD_HINT}`,
    };
  const kind = { '>': 'adds a password', '<': 'removes a password', '#': 'adds a password hash', '!': 'removes a password hash' }[text[0] ?? ''];
  // The message names the rule by its first character only: the token may be a real password.
  if (kind) return { message: `a rule starting with '${text[0]}' ${kind}; passwords must not be written in rules`, hint: `remove that rule; ${PASSWORD_HINT}` };
  return undefined;
}

/** Checks the rules of one selector `( ... )` spread over `group` (first starts with '(', last ends with ')' when closed). */
function checkSelector(group: readonly Token[], clean: ReadonlySet<Token>, problem: (at: Token, message: string, hint: string) => void): void {
  const state: SelectorState = { allKeys: false, allChannels: false };
  group.forEach((t, j) => {
    if (!clean.has(t)) return;
    let text = t.text;
    let offset = t.offset;
    if (j === 0) {
      text = text.slice(1);
      offset += 1;
    }
    if (j === group.length - 1 && text.endsWith(')')) text = text.slice(0, -1);
    if (text === '') return;
    const inner: Token = { text, offset };
    const bad = selectorRule(text, state, true);
    if (bad) problem(inner, bad.message, bad.hint);
  });
}

/** One rule applied to a selector (the root one or a `( ... )` one), as ACLSetSelector does. */
function selectorRule(op: string, state: SelectorState, inSelector: boolean): Complaint {
  const l = lower(op);
  const where = inSelector ? 'this selector' : 'these rules';
  if (l === 'allkeys' || l === '~*') {
    state.allKeys = true;
    return undefined;
  }
  if (l === 'resetkeys') {
    state.allKeys = false;
    return undefined;
  }
  if (l === 'allchannels' || l === '&*') {
    state.allChannels = true;
    return undefined;
  }
  if (l === 'resetchannels') {
    state.allChannels = false;
    return undefined;
  }
  if (l === 'allcommands' || l === '+@all' || l === 'nocommands' || l === '-@all') return undefined;
  if (op[0] === '~' || op[0] === '%') {
    if (state.allKeys)
      return {
        message: `the key pattern '${op}' comes after allkeys (or ~*) in ${where}; ${REDIS} refuses a pattern that the * pattern already covers`,
        hint: `remove '${op}', or put resetkeys before it to start a new list of key patterns`,
      };
    return op[0] === '%' ? keyPermissions(op) : undefined;
  }
  if (op[0] === '&') {
    if (state.allChannels)
      return {
        message: `the channel pattern '${op}' comes after allchannels (or &*) in ${where}; ${REDIS} refuses a pattern that the * pattern already covers`,
        hint: `remove '${op}', or put resetchannels before it to start a new list of channel patterns`,
      };
    return undefined;
  }
  if ((op[0] === '+' || op[0] === '-') && op[1] === '@') return category(op);
  if (op[0] === '+') return allowCommand(op);
  if (op[0] === '-') return denyCommand(op);
  return unknownRule(op, inSelector);
}

/** `%R~pattern`, `%W~`, `%RW~`: R and W at most once each, at least one of them, then `~`. */
function keyPermissions(op: string): Complaint {
  const seen = new Set<string>();
  for (const c of op.slice(1)) {
    const u = c.toUpperCase();
    if (c === '~') break;
    if ((u === 'R' || u === 'W') && !seen.has(u)) {
      seen.add(u);
      continue;
    }
    return {
      message: `'${op}': after '%' come the key permissions R, W or RW (each once), then '~' and the key pattern; '${c}' is not one of them`,
      hint: 'write %R~<pattern> (read), %W~<pattern> (write) or %RW~<pattern> (both), e.g. %R~cache:*',
    };
  }
  if (seen.size === 0)
    return {
      message: `'${op}': '%' must be followed by the key permissions R, W or RW, then '~' and the key pattern`,
      hint: 'write %R~<pattern>, %W~<pattern> or %RW~<pattern>, or ~<pattern> for read and write',
    };
  return undefined;
}

function category(op: string): Complaint {
  const name = op.slice(2);
  if (CATEGORY_NAMES.includes(lower(name))) return undefined;
  if (name === '') return { message: `'${op}' has no category name after '@'`, hint: `write ${op[0]}@<category>; categories: ${CATEGORY_LIST}` };
  const guess = closestMatch(name, CATEGORY_NAMES);
  const asCommand = COMMANDS.has(lower(name)) ? ` ('${name}' is a command: write ${op[0]}${name})` : '';
  return {
    message: `unknown category '@${name}' in '${op}'${asCommand}`,
    hint: `${guess ? `did you mean '${op[0]}@${guess}'? ` : ''}categories of ${REDIS}: ${CATEGORY_LIST}`,
  };
}

/** The command `name` (`cmd` or `cmd|sub`) as ACLLookupCommand finds it, or why not. */
function lookup(name: string, rule: string): { readonly base: string; readonly sub?: string } | Complaint {
  const parts = lower(name).split('|');
  const base = parts[0]!;
  if (name === '') return { message: `'${rule}' has no command name after '${rule[0]}'`, hint: `write ${rule[0]}<command>, e.g. ${rule[0]}get, or ${rule[0]}@<category>` };
  const subs = COMMANDS.get(base);
  if (!subs) return unknownCommand(name.split('|')[0]!, rule);
  if (parts.length === 1) return { base };
  if (parts.length > 2) return { message: `'${rule}' has more than one '|': Redis knows <command>|<subcommand> only`, hint: `write ${rule[0]}${base}|${parts[1]}` };
  const sub = parts[1]!;
  if (subs.size === 0) return undefined; // not a subcommand; the callers say what that means for them
  if (subs.has(sub)) return { base, sub };
  const guess = closestMatch(sub, subs);
  return {
    message: `'${base}' has no subcommand '${name.split('|')[1]}' (in '${rule}')`,
    hint: `${guess ? `did you mean '${rule[0]}${base}|${guess}'? ` : ''}subcommands of ${base}: ${[...subs].join(', ')}; or write ${rule[0]}${base} for all of them`,
  };
}

function unknownCommand(name: string, rule: string): Complaint {
  const guess = closestMatch(name, COMMANDS.keys());
  const asCategory = CATEGORY_NAMES.includes(lower(name)) ? ` ('${name}' is a category: write ${rule[0]}@${lower(name)})` : '';
  if (name.endsWith(')') && COMMANDS.has(lower(name.slice(0, -1))))
    return { message: `'${rule}' ends with ')' but no selector is open`, hint: `open the selector with '(' (e.g. '(${rule} ~cache:*'), or write ${rule.slice(0, -1)}` };
  return {
    message: `unknown command '${name}' in '${rule}'${asCategory}`,
    hint: guess ? `did you mean '${rule[0]}${guess}'?` : `${REDIS} has no command '${lower(name)}' (see COMMAND INFO); for a category write ${rule[0]}@<category>`,
  };
}

function isFound(r: ReturnType<typeof lookup>): r is { readonly base: string; readonly sub?: string } {
  return r !== undefined && 'base' in r;
}

/** `+cmd`, `+cmd|sub`, and `+cmd|first-arg` for a command without subcommands. */
function allowCommand(op: string): Complaint {
  const body = op.slice(1);
  const bar = body.lastIndexOf('|');
  if (bar < 0) {
    const r = lookup(body, op);
    return isFound(r) ? undefined : r;
  }
  const left = body.slice(0, bar);
  const arg = body.slice(bar + 1);
  const cmd = lookup(left, op);
  if (cmd === undefined) {
    // `left` is `cmd|x` where cmd has no subcommands: `+get|a|b`.
    return { message: `'${op}' has more than one '|': a first argument can follow only a command`, hint: `write +${left}` };
  }
  if (!isFound(cmd)) {
    // A wrong command name, or `left` ending with '|' (`+get||`).
    if (left.endsWith('|') && COMMANDS.has(lower(left.slice(0, -1)))) return { message: `'${op}' has an empty name between '|'s`, hint: `write +${left.slice(0, -1)}|<subcommand or first argument>` };
    return cmd;
  }
  if (cmd.sub !== undefined)
    return {
      message: `'${op}': ${REDIS} cannot allow one first argument of the subcommand '${cmd.base}|${cmd.sub}'`,
      hint: `allow the whole subcommand with +${cmd.base}|${cmd.sub}`,
    };
  if (arg === '') return { message: `'${op}' ends with '|' but names no subcommand or first argument`, hint: `write +${left}, or +${left}|<subcommand or first argument>` };
  const subs = COMMANDS.get(cmd.base)!;
  if (subs.size === 0) return undefined; // first-arg form (`+select|0`), which Redis 7.0 accepts with a deprecation warning
  const full = lookup(body, op);
  return isFound(full) ? undefined : full;
}

/** `-cmd` and `-cmd|sub`; a first argument cannot be denied. */
function denyCommand(op: string): Complaint {
  const body = op.slice(1);
  const r = lookup(body, op);
  if (isFound(r)) return undefined;
  if (r !== undefined) return r;
  const [base = '', arg = ''] = body.split('|');
  if (arg === '') return { message: `'${op}' ends with '|' but names no subcommand`, hint: `write -${base} to deny the command` };
  return {
    message: `'${op}': '${base}' has no subcommands, and ${REDIS} cannot deny one first argument ('${arg}'); only +${base}|<first-arg> exists`,
    hint: `deny the whole command with -${base}, then allow the first arguments you want, e.g. -${base} +${base}|<first-arg>`,
  };
}

function unknownRule(op: string, inSelector: boolean): Complaint {
  const l = lower(op);
  if (op.startsWith('('))
    return inSelector
      ? { message: `'${op}' opens a selector inside a selector; selectors do not nest`, hint: "close the current selector with ')' before opening the next one" }
      : { message: `'${op}' is an unfinished selector`, hint: "write the selector as '(' rules ')', e.g. '(+get ~cache:*)'" };
  if (op === ')' || op.endsWith(')')) return { message: `'${op}' ends a selector that was never opened`, hint: "open the selector with '(' (e.g. '(+get ~cache:*)'), or remove the ')'" };
  if (inSelector && (USER_KEYWORDS.includes(l) || refusedRule(op))) {
    const refused = refusedRule(op);
    if (refused) return refused;
    return { message: `'${op}' is not allowed inside a selector: only command, key and channel rules are`, hint: `move '${op}' out of the parentheses` };
  }
  if (COMMANDS.has(l)) return { message: `'${op}' is a command without '+' or '-'`, hint: `write +${l} to allow it or -${l} to deny it` };
  if (CATEGORY_NAMES.includes(l.replace(/^@/, '')))
    return { message: `'${op}' is a category without '+' or '-'`, hint: `write +@${l.replace(/^@/, '')} to allow it or -@${l.replace(/^@/, '')} to deny it` };
  const keywords = inSelector ? SELECTOR_KEYWORDS : [...SELECTOR_KEYWORDS, ...USER_KEYWORDS];
  const guess = closestMatch(op, keywords);
  return { message: `unknown rule '${op}'${inSelector ? ' in a selector' : ''}`, hint: guess ? `did you mean '${guess}'?` : `a rule is one of: ${RULE_FORMS}` };
}
