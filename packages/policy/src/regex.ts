/**
 * Regular expressions as the API server sees them (RE2) and as this evaluator runs them.
 *
 * Kubernetes compiles CEL regexes with RE2: no lookaround, no backreferences, inline flags such as
 * `(?i)` allowed. Literal patterns are validated with `@bufbuild/re2` (a port of RE2) at load time,
 * so a pattern the API server would reject is rejected here too. Matching for `find`/`findAll` uses
 * JavaScript's RegExp after translating RE2-only syntax (leading flags, `(?P<name>`, `\A`, `\z`).
 */
import { RE2JS } from '@bufbuild/re2';

/** Why RE2 rejects `pattern`, or undefined when it compiles. */
export function re2Problem(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const LEADING_FLAGS = /^\(\?([imsU]+)\)/;
const cache = new Map<string, RegExp>();

/**
 * The JavaScript RegExp for an RE2 pattern (global flag set, for findAll). Throws with a message
 * naming the pattern when it cannot be translated (e.g. the RE2 `U` flag).
 */
export function jsRegExp(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const problem = re2Problem(pattern);
  if (problem) throw new Error(`invalid regular expression "${pattern}": ${problem}`);
  let source = pattern;
  let flags = 'g';
  const lead = LEADING_FLAGS.exec(source);
  if (lead) {
    if (lead[1]!.includes('U')) throw new Error(`regular expression "${pattern}": the RE2 flag U (ungreedy) is not supported offline`);
    flags += lead[1]!;
    source = source.slice(lead[0].length);
  }
  source = source
    .replace(/\(\?P</g, '(?<')
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$');
  let re: RegExp;
  try {
    re = new RegExp(source, flags);
  } catch (error) {
    throw new Error(`regular expression "${pattern}" is valid RE2 but cannot run offline: ${(error as Error).message}`);
  }
  cache.set(pattern, re);
  return re;
}

/** Kubernetes `<string>.find(<regex>)`: the first match, or '' when there is none. */
export function regexFind(text: string, pattern: string): string {
  const re = jsRegExp(pattern);
  re.lastIndex = 0;
  return re.exec(text)?.[0] ?? '';
}

/** Kubernetes `<string>.findAll(<regex>[, limit])`: every non-overlapping match; a negative limit means all. */
export function regexFindAll(text: string, pattern: string, limit = -1n): string[] {
  if (limit === 0n) return [];
  const out: string[] = [];
  const re = jsRegExp(pattern);
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push(m[0]);
    if (m[0] === '') re.lastIndex++;
    if (limit > 0n && BigInt(out.length) >= limit) break;
  }
  return out;
}
