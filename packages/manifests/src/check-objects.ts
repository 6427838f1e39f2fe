import { formatPath } from './field-path.ts';
import { shapeTreeOf } from './field-shapes.ts';
import { whereOf } from './where-of.ts';
import type { Finding } from './finding.ts';
import { findDuplicates } from './find-duplicates.ts';
import { findModel, knownApiVersions, loadModelsFor } from './model-registry.ts';
import type { RenderedObject } from './rendered-object.ts';
import { schemaErrors } from './schema-errors.ts';
import { findUnknownFields } from './unknown-fields.ts';

/** Every problem of one object: unknown kind, or schema errors and unknown fields (its model loaded first: loadModelsFor). */
export function checkObject(o: RenderedObject): Finding[] {
  const where = whereOf(o);
  const model = findModel(o.apiVersion, o.kind);
  if (!model) {
    const others = knownApiVersions(o.kind);
    return [
      {
        severity: 'error',
        code: 'unknown-kind',
        message: `no schema known for ${o.apiVersion} ${o.kind}`,
        hint: others.length > 0 ? `use apiVersion ${others.join(' or ')}` : 'if this kind is intended, add its model to packages/manifests/src/model-registry.ts',
        ...where,
      },
    ];
  }
  const unknown = findUnknownFields(shapeTreeOf(model), o.object);
  // A misspelt required field is also reported missing under its right name; the typo explains both, so say it once.
  const explained = new Set(unknown.filter((u) => u.suggestion).map((u) => formatPath([...u.path.slice(0, -1), u.suggestion!])));
  const findings: Finding[] = [];
  for (const e of schemaErrors(model, o.object)) {
    if (e.code === 'missing-field' && explained.has(e.path)) continue;
    findings.push({ severity: 'error', code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}), ...where, path: e.path });
  }
  for (const u of unknown) {
    findings.push({
      severity: 'error',
      code: 'unknown-field',
      message: 'unknown field',
      ...(u.suggestion ? { hint: `did you mean "${u.suggestion}"?` } : {}),
      ...where,
      path: formatPath(u.path),
    });
  }
  // Sorted by path (plain code-unit order, not locale), so reports are stable and one subtree's findings sit together.
  findings.sort((a, b) => ((a.path ?? '') < (b.path ?? '') ? -1 : (a.path ?? '') > (b.path ?? '') ? 1 : 0));
  return findings;
}

/**
 * Checks rendered objects against the Kubernetes and CRD schemas (kubernetes-models, prometheus-operator, Argo CD):
 * wrong types, missing required fields, invalid values, unknown fields, unknown kinds, and duplicates within the set.
 */
export async function checkObjects(objects: readonly RenderedObject[]): Promise<Finding[]> {
  await loadModelsFor(objects);
  return [...objects.flatMap(checkObject), ...findDuplicates(objects)];
}
