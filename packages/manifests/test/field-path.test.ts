import { describe, expect, it } from '@jest/globals';
import { formatPath, pointerToSegments } from '../src/field-path.ts';

describe('formatPath', () => {
  it('writes fields with dots and indexes in brackets', () => {
    expect(formatPath(['spec', 'template', 'spec', 'containers', 0, 'resources'])).toBe('spec.template.spec.containers[0].resources');
  });

  it('quotes keys that are not plain identifiers', () => {
    expect(formatPath(['metadata', 'labels', 'app.kubernetes.io/name'])).toBe('metadata.labels["app.kubernetes.io/name"]');
    expect(formatPath(['data', 'update-node.sh'])).toBe('data["update-node.sh"]');
  });

  it('is empty for the whole object', () => {
    expect(formatPath([])).toBe('');
  });
});

describe('pointerToSegments', () => {
  it('tells array indexes from numeric map keys by looking at the data', () => {
    const data = { items: [{ a: 1 }], labels: { '0': 'x' } };
    expect(pointerToSegments('/items/0/a', data)).toEqual(['items', 0, 'a']);
    expect(pointerToSegments('/labels/0', data)).toEqual(['labels', '0']);
  });

  it('unescapes ~1 and ~0', () => {
    expect(pointerToSegments('/metadata/labels/app.kubernetes.io~1name', {})).toEqual(['metadata', 'labels', 'app.kubernetes.io/name']);
    expect(pointerToSegments('/a~0b', {})).toEqual(['a~b']);
  });
});
