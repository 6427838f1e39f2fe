/** The fields that say which rendered object a finding is about. */
import type { Finding } from './finding.ts';
import type { RenderedObject } from './rendered-object.ts';

export type Where = Pick<Finding, 'environment' | 'chart' | 'source' | 'line' | 'kind' | 'name' | 'namespace'>;

export const whereOf = (o: RenderedObject): Where => ({
  environment: o.environment,
  chart: o.chart,
  source: o.source,
  line: o.line,
  kind: o.kind,
  name: o.name,
  namespace: o.namespace,
});
