/**
 * docs/environment-spec.md and the code agree: every numeric bound the reference documents
 * (">= N", "<= M" in its Constraints column) is what parsing enforces, read from the generated
 * document itself. A value just past each bound is refused at that field; the bound itself is
 * accepted there. (The document is generated from the schema the parser uses; this proves the
 * parser adds no stricter rule the document does not show, and the document shows no bound the
 * parser does not hold.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { InputError, type Diagnostic } from '@redis-gitops/diagnostics';
import { parse, ROOT, VALID } from './helpers.ts';

const DOC = readFileSync(path.join(ROOT, 'docs/environment-spec.md'), 'utf8');

interface Bound {
  readonly field: string;
  readonly op: '>=' | '<=';
  readonly value: number;
}

function documentedBounds(): Bound[] {
  const out: Bound[] = [];
  for (const line of DOC.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const field = /^`(spec\.[A-Za-z.]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!field) continue;
    for (const m of (cells.at(-2) ?? '').matchAll(/(>=|<=) (-?\d+(?:\.\d+)?)/g)) out.push({ field, op: m[1] as Bound['op'], value: Number(m[2]) });
  }
  return out;
}

function diagnosticsFor(field: string, value: number): Diagnostic[] {
  const doc = YAML.parse(VALID) as { spec: Record<string, any> };
  const pathParts = field.split('.').slice(1);
  if (pathParts[0] === 'topology' && pathParts[1] === 'sentinel') doc.spec.topology = { mode: 'sentinel', replicasPerShard: 1 };
  let node = doc.spec;
  for (const k of pathParts.slice(0, -1)) node = node[k] ??= {};
  node[pathParts.at(-1)!] = value;
  try {
    parse(YAML.stringify(doc));
    return [];
  } catch (e) {
    if (e instanceof InputError) return [...e.diagnostics];
    throw e;
  }
}

const bounds = documentedBounds();

it('the reference documents numeric bounds (the table was read)', () => {
  expect(bounds.length).toBeGreaterThanOrEqual(8);
  expect(bounds).toContainEqual({ field: 'spec.topology.shards', op: '>=', value: 3 });
});

it.each(bounds.map((b) => [`${b.field} ${b.op} ${b.value}`, b] as const))('%s: enforced exactly at the documented bound', (_name, b) => {
  const integer = Number.isInteger(b.value) && !/Ratio$/.test(b.field);
  const step = integer ? 1 : 0.05;
  const past = b.op === '>=' ? b.value - step : b.value + step;
  const at = diagnosticsFor(b.field, b.value).filter((d) => d.path === b.field);
  const beyond = diagnosticsFor(b.field, past).filter((d) => d.path === b.field);
  expect({ value: b.value, problems: at.map((d) => d.message) }).toEqual({ value: b.value, problems: [] });
  expect({ value: past, refused: beyond.length > 0 }).toEqual({ value: past, refused: true });
});
