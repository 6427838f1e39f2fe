/**
 * Metric names used by a PromQL expression, found with Prometheus' own PromQL grammar
 * (@prometheus-io/lezer-promql, the parser of the Prometheus UI): the identifier of every vector
 * selector. Function names, keywords, label names, label values and durations are syntax-tree
 * nodes of other kinds, so they can never be mistaken for metrics.
 */
import { parser } from '@prometheus-io/lezer-promql';

export class PromqlSyntaxError extends Error {
  constructor(expr: string, at: number) {
    super(`PromQL syntax error at offset ${at}: ${expr.slice(Math.max(0, at - 30), at)}⟨here⟩${expr.slice(at, at + 30)}\n  in: ${expr}`);
    this.name = 'PromqlSyntaxError';
  }
}

/** Values Grafana substitutes before a query reaches Prometheus, for offline parsing. */
const GRAFANA_INTERVALS: Record<string, string> = {
  __rate_interval: '2m',
  __interval: '1m',
  __range: '1h',
};

/**
 * Replaces Grafana's interval variables (`$__rate_interval`, `${__interval}` ...) by example
 * durations so that a dashboard query is plain PromQL. Other `$variables` must sit inside label
 * matcher strings (`{pod=~"$pod"}`), where they are plain text to PromQL; anywhere else they stay
 * and make the parse fail, which is what a test wants to hear about.
 */
export function expandGrafanaVariables(expr: string): string {
  return expr.replace(/\$\{?(__rate_interval|__interval|__range)\}?/g, (_m, name: string) => GRAFANA_INTERVALS[name]!);
}

/** Sorted, distinct metric names of `expr`; throws PromqlSyntaxError when it does not parse. */
export function metricNamesOf(expr: string): string[] {
  const tree = parser.parse(expr);
  const names = new Set<string>();
  let error: number | undefined;
  const unnamed: string[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError && error === undefined) error = node.from;
      if (node.name === 'VectorSelector' && !node.node.getChild('Identifier')) unnamed.push(expr.slice(node.from, node.to));
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.add(expr.slice(node.from, node.to));
    },
  });
  if (error !== undefined) throw new PromqlSyntaxError(expr, error);
  // {__name__=~"..."} or {"name"} would hide which metrics are used: not allowed here.
  if (unnamed.length) throw new Error(`PromQL selector without a metric name (use metric{...}, not {__name__=...}): ${unnamed.join(', ')}\n  in: ${expr}`);
  return [...names].sort();
}

export interface LabelMatcher {
  readonly label: string;
  /** `=`, `!=`, `=~` or `!~`. */
  readonly op: string;
  /** The unquoted value. */
  readonly value: string;
}

export interface VectorSelectorInfo {
  readonly metric: string;
  readonly matchers: readonly LabelMatcher[];
}

/** Every vector selector of `expr` with its label matchers (to check that queries are scoped). */
export function vectorSelectors(expr: string): VectorSelectorInfo[] {
  metricNamesOf(expr); // throws on syntax errors and unnamed selectors
  const out: VectorSelectorInfo[] = [];
  const cursor = parser.parse(expr).cursor();
  do {
    if (cursor.name !== 'VectorSelector') continue;
    const node = cursor.node;
    const ident = node.getChild('Identifier')!;
    const matchers: LabelMatcher[] = [];
    for (const m of node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
      const label = m.getChild('LabelName');
      const op = m.getChild('MatchOp');
      const value = m.getChild('StringLiteral');
      if (!label || !op || !value) continue;
      matchers.push({
        label: expr.slice(label.from, label.to),
        op: expr.slice(op.from, op.to),
        value: JSON.parse(
          expr
            .slice(value.from, value.to)
            .replace(/^'(.*)'$/, '"$1"')
            .replace(/^`(.*)`$/, '"$1"'),
        ) as string,
      });
    }
    out.push({ metric: expr.slice(ident.from, ident.to), matchers });
  } while (cursor.next());
  return out;
}
