import { labelSelectorFromString, matchesLabelSelector, selectorProblems, type LabelSelector } from '../src/index.ts';

const labels = { 'redis-gitops.dev/tier': 'production', team: 'platform' };

describe('label selectors', () => {
  it('an absent or empty selector matches everything', () => {
    expect(matchesLabelSelector(undefined, labels)).toBe(true);
    expect(matchesLabelSelector({}, {})).toBe(true);
  });

  it('matchLabels must all hold', () => {
    expect(matchesLabelSelector({ matchLabels: { team: 'platform' } }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchLabels: { team: 'platform', x: 'y' } }, labels)).toBe(false);
  });

  it.each([
    ['In', ['production', 'staging'], true],
    ['In', ['dev'], false],
    ['NotIn', ['dev'], true],
    ['NotIn', ['production'], false],
    ['Exists', undefined, true],
    ['DoesNotExist', undefined, false],
  ] as const)('%s %j on the tier label -> %s', (operator, values, want) => {
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'redis-gitops.dev/tier', operator, ...(values ? { values } : {}) }] }, labels)).toBe(want);
  });

  it('NotIn and DoesNotExist match a missing key; In and Exists do not', () => {
    const missing = (operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'): boolean => matchesLabelSelector({ matchExpressions: [{ key: 'absent', operator, values: ['x'] }] }, labels);
    expect([missing('In'), missing('NotIn'), missing('Exists'), missing('DoesNotExist')]).toEqual([false, true, false, true]);
  });

  it('reports malformed selectors', () => {
    expect(
      selectorProblems({
        matchLabel: {},
        matchExpressions: [
          { key: 'a', operator: 'Equals' },
          { key: 'b', operator: 'In' },
          { key: 'c', operator: 'Exists', values: ['x'] },
        ],
      }),
    ).toEqual([
      { path: '.matchLabel', message: 'unknown field "matchLabel" (a selector has matchLabels and matchExpressions)' },
      { path: '.matchExpressions[0].operator', message: 'must be one of In, NotIn, Exists, DoesNotExist (got "Equals")' },
      { path: '.matchExpressions[1].values', message: 'must be a non-empty list for In' },
      { path: '.matchExpressions[2].values', message: 'must be empty for Exists' },
    ]);
  });

  it('throws on an unknown operator instead of matching by accident', () => {
    const bad = { matchExpressions: [{ key: 'app', operator: 'Equals' }] } as unknown as LabelSelector;
    expect(() => matchesLabelSelector(bad, labels)).toThrow(/unknown label selector operator "Equals"/);
  });

  it('reads a kubectl equality selector, and refuses set-based syntax', () => {
    expect(labelSelectorFromString('app.kubernetes.io/instance=prod,app.kubernetes.io/component=redis')).toEqual({
      matchLabels: { 'app.kubernetes.io/instance': 'prod', 'app.kubernetes.io/component': 'redis' },
    });
    expect(() => labelSelectorFromString('tier in (a,b)')).toThrow(/not a key=value pair/);
    expect(() => labelSelectorFromString('app!=web')).toThrow(/not a key=value pair/);
  });
});
