import { jsRegExp, re2Problem, regexFind, regexFindAll } from '../src/regex.ts';

describe('RE2 regular expressions', () => {
  it('accepts RE2 syntax, including inline flags and named groups', () => {
    expect(re2Problem('^redis:[0-9]+$')).toBeUndefined();
    expect(re2Problem('(?i)^redis')).toBeUndefined();
    expect(re2Problem('(?P<tag>[^:]+)$')).toBeUndefined();
  });

  it('rejects what RE2 (and so the API server) does not support', () => {
    expect(re2Problem('(?=lookahead)')).toMatch(/invalid or unsupported Perl syntax/);
    expect(re2Problem('(a)\\1')).toMatch(/invalid escape sequence/);
    expect(re2Problem('[unclosed')).toMatch(/missing closing \]/);
  });

  it('translates RE2-only syntax for matching', () => {
    expect(regexFind('Redis 7', '(?i)redis')).toBe('Redis');
    expect(regexFind('tag: 7.4.2', '(?P<v>[0-9.]+)')).toBe('7.4.2');
    expect(regexFind('abc', '\\Aab')).toBe('ab');
    expect(() => jsRegExp('(?U)a+')).toThrow(/ungreedy/);
  });

  it('findAll returns non-overlapping matches, limited by n', () => {
    expect(regexFindAll('a1b22c333', '[0-9]+')).toEqual(['1', '22', '333']);
    expect(regexFindAll('a1b22c333', '[0-9]+', 2n)).toEqual(['1', '22']);
    expect(regexFindAll('a1b22c333', '[0-9]+', 0n)).toEqual([]);
    expect(regexFindAll('abc', 'x*')).toEqual(['', '', '', '']);
  });
});
