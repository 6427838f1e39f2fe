/**
 * Checks generated values the way helm will: chart defaults merged with the generated values,
 * validated against the chart's values.schema.json. A rejection is reported at the spec field
 * the value came from, so the person editing environment.yaml sees where to fix it.
 */
import { checkAgainstSchema, type PathSegment, type YamlSource } from '@redis-gitops/spec';
import type { Diagnostic } from '@redis-gitops/diagnostics';
import { specPathFor, type ChartValues } from './chart-values.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Helm's merge: maps merge key by key, everything else (lists included) is replaced. */
export function mergeValues(base: unknown, over: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeValues(base[k], v) : v;
    return out;
  }
  return over === undefined ? base : over;
}

function isPlainObject(x: unknown): x is Record<string, Json> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function toSegments(dotted: string): PathSegment[] {
  return dotted
    .split(/\.|\[(\d+)\]/)
    .filter((s) => s !== undefined && s !== '')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function checkChartValues(cv: ChartValues, chartSchema: object, chartDefaults: unknown, envSource: YamlSource): Diagnostic[] {
  const merged = mergeValues(chartDefaults, cv.values);
  const specSegments = (valuesPath: readonly PathSegment[]): PathSegment[] => {
    const dotted = valuesPath.reduce<string>((a, s) => (typeof s === 'number' ? `${a}[${s}]` : a ? `${a}.${s}` : s), '');
    return toSegments(specPathFor(cv.provenance, dotted) ?? 'spec');
  };
  const found = checkAgainstSchema(chartSchema, merged, {
    file: envSource.file,
    positionOf: (p) => envSource.positionOf(specSegments(p)),
    keyPositionOf: (p) => envSource.keyPositionOf(specSegments(p)),
  });
  return found.map((d) => {
    const spec = specPathFor(cv.provenance, d.path) ?? 'spec';
    return {
      ...d,
      path: spec,
      message: `chart ${cv.chart} rejects the generated value ${d.path}: ${d.message}`,
      hint: `fix ${spec} in the environment spec${d.hint ? ` (${d.hint})` : ''}`,
    };
  });
}
