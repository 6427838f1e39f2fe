/** Parses and checks `environments/clusters.yaml`, the list of target clusters. */
import { createRequire } from 'node:module';
import { InputError, type Diagnostic } from '@redis-gitops/diagnostics';
import { checkScheduling } from './scheduling.ts';
import { checkAgainstSchema } from './schema-check.ts';
import type { ClusterEntry, ClusterList } from './types.ts';
import { formatPath, parseYamlSource } from './yaml-source.ts';

const require = createRequire(import.meta.url);
export const clustersSchema: object = require('../schema/clusters.schema.json');

/** Parses clusters.yaml text. Throws InputError with every problem found. */
export function parseClusters(text: string, file: string): ClusterList {
  const { source, diagnostics } = parseYamlSource(text, file);
  if (!source) throw new InputError(diagnostics);
  const problems: Diagnostic[] = checkAgainstSchema(clustersSchema, source.value, source);
  if (problems.length) throw new InputError(problems);
  const list = source.value as ClusterList;
  const seen = new Map<string, number>();
  list.clusters.forEach((c: ClusterEntry, i: number) => {
    const first = seen.get(c.name);
    if (first !== undefined) {
      const pos = source.positionOf(['clusters', i, 'name']);
      problems.push({
        file,
        ...pos,
        path: `clusters[${i}].name`,
        message: `duplicate cluster name "${c.name}" (also clusters[${first}])`,
        hint: 'cluster names must be unique: environments refer to them by name',
      });
    } else seen.set(c.name, i);
    for (const p of checkScheduling(c.scheduling)) {
      const path = ['clusters', i, 'scheduling', ...p.path];
      problems.push({ file, ...source.positionOf(path), path: formatPath(path), message: p.message, hint: p.hint });
    }
  });
  if (problems.length) throw new InputError(problems);
  return list;
}
