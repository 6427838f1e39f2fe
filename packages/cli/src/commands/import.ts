/** `redis-gitops import bitnami <values.yaml> --name ENV --cluster CLUSTER`: a new environment from Bitnami values. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseEnvironment, parseYamlSource } from '@redis-gitops/spec';
import { InputError } from '@redis-gitops/diagnostics';
import YAML from 'yaml';
import { importBitnami, type MappedKey } from '../import/bitnami.ts';
import { writeFilesAtomically } from '../io/atomic-write.ts';
import { findRoot, loadWorkspace, readInput, UsageError } from '../io/workspace.ts';
import type { Output } from '../output.ts';

export interface ImportOptions {
  readonly kind: string;
  readonly file: string;
  readonly name: string;
  readonly cluster: string;
  readonly namespace: string | undefined;
  readonly tier: 'dev' | 'staging' | 'production';
}

function table(rows: { key: string; value: string; reason: string }[]): string {
  const w1 = Math.max(3, ...rows.map((r) => r.key.length));
  const w2 = Math.max(5, ...rows.map((r) => r.value.length));
  return [`  ${'key'.padEnd(w1)}  ${'value'.padEnd(w2)}  why it was not imported`, ...rows.map((r) => `  ${r.key.padEnd(w1)}  ${r.value.padEnd(w2)}  ${r.reason}`)].join('\n');
}

function mappedTable(rows: readonly MappedKey[]): string {
  const w = Math.max(3, ...rows.map((r) => r.from.length));
  return [`  ${'key'.padEnd(w)}  became`, ...rows.map((r) => `  ${r.from.padEnd(w)}  ${r.to}`)].join('\n');
}

/** The input key a spec field came from (the longest mapping that covers the path), for errors that cite the input. */
function inputKeyOf(specPath: string, mapped: readonly MappedKey[]): string | undefined {
  const hits = mapped.filter((m) => specPath === m.to || specPath.startsWith(`${m.to}.`) || specPath.startsWith(`${m.to}[`) || m.to.startsWith(`${specPath}.`));
  const best = hits.sort((a, b) => b.to.length - a.to.length)[0];
  return best && !best.from.includes(': ') ? best.from : best?.from.split(': ')[0];
}

export async function runImport(opts: ImportOptions, out: Output): Promise<number> {
  if (opts.kind !== 'bitnami') throw new UsageError(`unknown import source "${opts.kind}" (supported: bitnami)`);
  if (!/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/.test(opts.name)) throw new UsageError(`--name "${opts.name}" must be a DNS label of at most 40 characters`);
  if (!['dev', 'staging', 'production'].includes(opts.tier)) throw new UsageError(`--tier must be dev, staging or production (got "${opts.tier}")`);
  const root = findRoot();
  const target = `environments/${opts.name}/environment.yaml`;
  if (existsSync(path.join(root, 'environments', opts.name))) {
    throw new UsageError(`environments/${opts.name}/ already exists: import never overwrites an environment; pick another --name`);
  }
  const src = path.resolve(opts.file);
  const rel = path.relative(process.cwd(), src) || src;
  const read = readInput(path.dirname(src), path.basename(src));
  if (read.diagnostic) throw new InputError([{ ...read.diagnostic, file: rel }]);
  const { source, diagnostics } = parseYamlSource(read.text!, rel);
  if (!source) throw new InputError(diagnostics);
  const ws = loadWorkspace(root, []);
  const result = importBitnami(source.value as Record<string, unknown>, {
    name: opts.name,
    cluster: opts.cluster,
    namespace: opts.namespace ?? `redis-${opts.name}`,
    tier: opts.tier,
  });
  const at = (key: string) => {
    const pos = source.keyPositionOf(key.split('.'));
    return { file: rel, line: pos.line, col: pos.col, path: key };
  };
  if (result.problems.length) {
    throw new InputError(result.problems.map((p) => ({ ...at(p.key), message: p.message, hint: p.hint })));
  }
  const header = [
    `# Imported by \`redis-gitops import bitnami\` from ${path.basename(src)} (Bitnami ${result.source} chart values).`,
    ...result.notes.map((n) => `# NOTE: ${n}`),
    ...(result.unmapped.length ? [`# ${result.unmapped.length} key(s) were not imported; see the import output.`] : []),
  ].join('\n');
  const text = `${header}\n${YAML.stringify(result.spec, { lineWidth: 0 })}`;
  // The result must be a valid environment before anything is written. Its problems are cited in
  // the input file (at the key the field came from): the environment file does not exist.
  try {
    parseEnvironment(text, target, ws.clusters);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new InputError(
      e.diagnostics.map((d) => {
        const key = inputKeyOf(d.path, result.mapped);
        const where = key ? at(key) : { file: rel, line: 0, col: 0, path: '' };
        return {
          ...where,
          message: `would become ${d.path || 'the environment'}, which ${d.message}`,
          hint: `${d.hint ? `${d.hint}; ` : ''}adjust ${key ?? 'the values'} in ${rel}, or edit the environment after import`,
        };
      }),
    );
  }
  writeFilesAtomically([{ file: path.join(root, target), content: text }]);
  out.stdout(`import: wrote ${target} (from Bitnami ${result.source} values in ${rel})\n`);
  for (const n of result.notes) out.stdout(`  note: ${n}\n`);
  if (result.mapped.length) out.stdout(`\n${result.mapped.length} key(s) imported:\n${mappedTable(result.mapped)}\n`);
  if (result.unmapped.length) out.stdout(`\n${result.unmapped.length} key(s) not imported:\n${table(result.unmapped)}\n`);
  out.stdout(`\nNext: npx redis-gitops generate --env ${opts.name} && npx redis-gitops validate --env ${opts.name}\n`);
  return 0;
}
