import { describe, expect, it } from '@jest/globals';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { ARRAY_ITEM, MAP_VALUE, probeFieldShape, shapeTreeOf, type FieldShape } from '../src/field-shapes.ts';
import type { ModelClass } from '../src/model-registry.ts';
import { findUnknownFields } from '../src/unknown-fields.ts';

const fieldsOf = (shape: FieldShape): string[] => (shape.type === 'closed' ? [...shape.fields].sort() : []);

describe('probeFieldShape', () => {
  it('learns the declared fields of a closed object from the compiled validator', () => {
    expect(fieldsOf(probeFieldShape(StatefulSet, []))).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    const container = probeFieldShape(StatefulSet, ['spec', 'template', 'spec', 'containers', ARRAY_ITEM]);
    expect(fieldsOf(container)).toEqual(expect.arrayContaining(['name', 'image', 'resources', 'livenessProbe', 'volumeMounts']));
    expect(fieldsOf(container)).not.toContain('resource');
  });

  it('sees maps, scalars and free-form objects', () => {
    expect(probeFieldShape(StatefulSet, ['metadata', 'labels'])).toEqual({ type: 'map' });
    expect(probeFieldShape(StatefulSet, ['spec', 'template', 'spec', 'containers', ARRAY_ITEM, 'resources', 'limits'])).toEqual({ type: 'map' });
    expect(probeFieldShape(StatefulSet, ['spec', 'replicas'])).toEqual({ type: 'open' });
    expect(probeFieldShape(Application, ['spec', 'source', 'helm', 'valuesObject'])).toEqual({ type: 'open' });
    expect(fieldsOf(probeFieldShape(StatefulSet, ['metadata', 'annotations', MAP_VALUE]))).toEqual([]);
  });
});

describe('shapeTreeOf', () => {
  it('probes each place once and reuses the result for every later object', () => {
    let validatorRuns = 0;
    const counting: ModelClass = {
      apiVersion: StatefulSet.apiVersion,
      kind: StatefulSet.kind,
      prototype: {
        validate(this: unknown) {
          validatorRuns++;
          StatefulSet.prototype.validate.call(this as StatefulSet);
        },
      },
    };
    const tree = shapeTreeOf(counting);
    expect(shapeTreeOf(counting)).toBe(tree);
    const object = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'a', labels: { x: 'y' } }, spec: { template: { spec: { containers: [{ name: 'c', resource: {} }] } } } };
    expect(findUnknownFields(tree, object)).toEqual([{ path: ['spec', 'template', 'spec', 'containers', 0, 'resource'], suggestion: 'resources' }]);
    const runsAfterFirst = validatorRuns;
    expect(runsAfterFirst).toBeGreaterThan(0);
    findUnknownFields(tree, object);
    findUnknownFields(tree, structuredClone(object));
    expect(validatorRuns).toBe(runsAfterFirst);
  });
});
