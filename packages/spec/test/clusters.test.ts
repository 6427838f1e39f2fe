import { InputError } from '@redis-gitops/diagnostics';
import { parseClusters } from '../src/index.ts';

const base = `apiVersion: redis-gitops.dev/v1alpha1
kind: ClusterList
delivery:
  gitRepo: https://git.example.internal/redis-gitops.git
  chartRepo: https://charts.example.internal/redis
clusters:
  - name: a
    server: https://a.example.internal:6443
    arch: amd64
    profile: standard
`;

function errorsOf(text: string): string[] {
  try {
    parseClusters(text, 'environments/clusters.yaml');
  } catch (e) {
    if (e instanceof InputError) return e.diagnostics.map((d) => `${d.line}:${d.col} ${d.path}: ${d.message}`);
    throw e;
  }
  throw new Error('expected an error');
}

describe('parseClusters', () => {
  it('parses a valid list', () => {
    expect(parseClusters(base, 'environments/clusters.yaml').clusters[0]).toMatchObject({ name: 'a', arch: 'amd64' });
  });

  it('rejects an unknown arch with its position', () => {
    expect(errorsOf(base.replace('arch: amd64', 'arch: armhf'))).toEqual(['9:11 clusters[0].arch: must be one of amd64, arm64 (got "armhf")']);
  });

  it('rejects duplicate cluster names', () => {
    const text = `${base}  - name: a\n    server: https://b.example.internal:6443\n    arch: arm64\n    profile: rpi4\n`;
    expect(errorsOf(text)).toEqual(['11:11 clusters[1].name: duplicate cluster name "a" (also clusters[0])']);
  });
});
