import { describe, expect, it } from '@jest/globals';
import { findModel, knownApiVersions, loadAllModels, loadModelsFor } from '../src/model-registry.ts';

describe('model registry: models load per kind, on demand', () => {
  it('refuses to look up a known kind whose model was not loaded, instead of calling it unknown', () => {
    expect(() => findModel('apps/v1', 'StatefulSet')).toThrow(/not loaded; await loadModelsFor/);
    expect(findModel('example.com/v1', 'Widget')).toBeUndefined();
  });

  it('loads only the kinds asked for', async () => {
    await loadModelsFor([{ apiVersion: 'v1', kind: 'ConfigMap' }]);
    const model = findModel('v1', 'ConfigMap');
    expect([model?.apiVersion, model?.kind]).toEqual(['v1', 'ConfigMap']);
    expect(() => findModel('v1', 'Secret')).toThrow(/not loaded/);
  });

  it('declares every entry with the apiVersion and kind its model really has (loading all checks each one)', async () => {
    await loadAllModels();
    for (const [apiVersion, kind] of [
      ['apps/v1', 'StatefulSet'],
      ['monitoring.coreos.com/v1', 'PrometheusRule'],
      ['argoproj.io/v1alpha1', 'ApplicationSet'],
    ] as const) {
      const model = findModel(apiVersion, kind);
      expect([model?.apiVersion, model?.kind]).toEqual([apiVersion, kind]);
    }
    expect(knownApiVersions('PodDisruptionBudget')).toEqual(['policy/v1']);
  });
});
