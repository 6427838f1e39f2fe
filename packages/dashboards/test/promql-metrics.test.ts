import { expandGrafanaVariables, metricNamesOf, PromqlSyntaxError, vectorSelectors } from '../src/promql-metrics.ts';

describe('metricNamesOf', () => {
  it('finds metric names and nothing else: not functions, keywords, labels, label values or durations', () => {
    const expr =
      'sum by (pod, rate) (rate(redis_commands_total{cmd="sum",rate=~"by|on"}[5m] offset 1h)) / on (pod) group_left (role) max by (pod, role) (redis_instance_info{role="master"} > bool 0) or absent(up) unless predict_linear(redis_memory_used_bytes[6h], 86400) > 1e9';
    expect(metricNamesOf(expr)).toEqual(['redis_commands_total', 'redis_instance_info', 'redis_memory_used_bytes', 'up']);
  });

  it('treats Grafana variables inside label values as text, and expands interval variables', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana template variables
    expect(metricNamesOf(expandGrafanaVariables('rate(redis_up{pod=~"$pod",release="${release}"}[$__rate_interval]) + rate(redis_up[${__interval}])'))).toEqual(['redis_up']);
  });

  it('fails on syntax errors and on selectors that hide their metric name', () => {
    expect(() => metricNamesOf('rate(redis_up[5m]')).toThrow(PromqlSyntaxError);
    expect(() => metricNamesOf('rate(redis_up[$window])')).toThrow(PromqlSyntaxError);
    expect(() => metricNamesOf('{__name__=~"redis_.*"}')).toThrow(/without a metric name/);
  });

  it('reports the label matchers of every selector', () => {
    expect(vectorSelectors('redis_up{namespace="a",release=~"b|c"} == 0 or up')).toEqual([
      {
        metric: 'redis_up',
        matchers: [
          { label: 'namespace', op: '=', value: 'a' },
          { label: 'release', op: '=~', value: 'b|c' },
        ],
      },
      { metric: 'up', matchers: [] },
    ]);
  });
});
