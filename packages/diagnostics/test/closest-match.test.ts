import { describe, expect, it } from '@jest/globals';
import { closestMatch as didYouMean, editDistance } from '../src/index.ts';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['lables', 'labels', 1], // adjacent swap costs 1, not 2
    ['resource', 'resources', 1],
    ['same', 'same', 0],
  ])('%j → %j is %i', (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected);
    expect(editDistance(b, a)).toBe(expected);
  });
});

describe('didYouMean', () => {
  const fields = ['name', 'image', 'resources', 'readinessProbe', 'livenessProbe', 'volumeMounts'];

  it('suggests the closest field for a typo', () => {
    expect(didYouMean('resource', fields)).toBe('resources');
    expect(didYouMean('volumemounts', fields)).toBe('volumeMounts');
    expect(didYouMean('livnessProbe', fields)).toBe('livenessProbe');
  });

  it('suggests nothing when no field is close', () => {
    expect(didYouMean('sidecars', fields)).toBeUndefined();
    expect(didYouMean('x', [])).toBeUndefined();
  });

  it('allows only one edit for short words', () => {
    expect(didYouMean('nmae', ['name'])).toBe('name');
    expect(didYouMean('img', ['image'])).toBeUndefined();
  });
});
