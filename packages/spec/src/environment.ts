/**
 * Parses one `environment.yaml`: YAML with positions, then the JSON Schema, then the rules a schema
 * cannot express (cluster references, slot coverage, mode-specific fields). Every problem is
 * collected and thrown together as an InputError.
 */
import { createRequire } from 'node:module';
import { closestMatch, InputError, type Diagnostic } from '@redis-gitops/diagnostics';
import { resolveEnvironment, type ResolvedEnvironment } from './resolve.ts';
import { checkQuantityFields, checkRequestsWithinLimits } from './quantities.ts';
import { checkAcl } from './acl.ts';
import { checkAgainstSchema } from './schema-check.ts';
import { checkScheduling } from './scheduling.ts';
import { checkSlotLayout } from './slots.ts';
import type { ClusterList, RedisEnvironment } from './types.ts';
import { formatPath, parseYamlSource, type PathSegment, type YamlSource } from './yaml-source.ts';

const require = createRequire(import.meta.url);
export const environmentSchema: object = require('../schema/environment.schema.json');

export interface ParsedEnvironment {
  readonly file: string;
  readonly spec: RedisEnvironment;
  readonly resolved: ResolvedEnvironment;
  /** Where each field sits in the file, for errors found later (e.g. by a chart schema). */
  readonly source: YamlSource;
}

function semanticChecks(env: RedisEnvironment, src: YamlSource, clusters: ClusterList, folderName: string | undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  const add = (path: PathSegment[], message: string, hint?: string) => {
    const pos = src.positionOf(path);
    out.push({ file: src.file, line: pos.line, col: pos.col, path: formatPath(path), message, ...(hint ? { hint } : {}) });
  };
  const s = env.spec;
  if (folderName !== undefined && env.metadata.name !== folderName) {
    add(['metadata', 'name'], `must equal the folder name "${folderName}" (got "${env.metadata.name}")`, `rename the folder to environments/${env.metadata.name}/ or set metadata.name: ${folderName}`);
  }
  const names = clusters.clusters.map((c) => c.name);
  if (!names.includes(s.cluster)) {
    const guess = closestMatch(s.cluster, names);
    add(
      ['spec', 'cluster'],
      `unknown cluster "${s.cluster}"`,
      guess ? `did you mean "${guess}"? (clusters are listed in environments/clusters.yaml)` : `known clusters: ${names.join(', ')} (environments/clusters.yaml)`,
    );
  }
  const mode = s.topology?.mode ?? 'cluster';
  const shards = s.topology?.shards ?? 3;
  if (mode === 'cluster') {
    if (s.topology?.sentinel) add(['spec', 'topology', 'sentinel'], 'only applies to mode: sentinel', 'remove it, or set spec.topology.mode: sentinel');
    const slots = s.topology?.slots;
    if (slots) {
      if (slots.length !== shards) {
        add(['spec', 'topology', 'slots'], `has ${slots.length} entries but spec.topology.shards is ${shards}`, 'give exactly one slot-range entry per shard');
      }
      for (const p of checkSlotLayout(slots)) {
        add(p.shard === undefined ? ['spec', 'topology', 'slots'] : ['spec', 'topology', 'slots', p.shard], p.message, 'together the entries must cover 0-16383 exactly once');
      }
    }
  } else {
    if (s.topology?.shards !== undefined) add(['spec', 'topology', 'shards'], 'only applies to mode: cluster', 'sentinel mode has one master; use replicasPerShard for its replicas');
    if (s.topology?.nodeTimeout !== undefined) {
      add(['spec', 'topology', 'nodeTimeout'], 'only applies to mode: cluster', 'in sentinel mode, spec.topology.sentinel.downAfterMilliseconds sets how soon a master counts as down');
    }
    if (s.topology?.slots !== undefined) add(['spec', 'topology', 'slots'], 'only applies to mode: cluster', 'sentinel mode does not shard the keyspace');
    const count = s.topology?.sentinel?.count ?? 3;
    const quorum = s.topology?.sentinel?.quorum ?? 2;
    if (quorum > count) add(['spec', 'topology', 'sentinel', 'quorum'], `must be <= sentinel.count ${count} (got ${quorum})`, 'a quorum larger than the number of sentinels can never be reached');
  }
  (s.network?.allowedClients ?? []).forEach((c, i) => {
    const at: PathSegment[] = ['spec', 'network', 'allowedClients', i];
    if (!c.namespace && !c.namespaceSelector && !c.podSelector) {
      add(at, 'names no client', 'an empty entry would admit every pod of every namespace; set namespace, namespaceSelector and/or podSelector');
    }
    if (c.namespace && c.namespaceSelector) {
      add([...at, 'namespaceSelector'], 'cannot be combined with namespace', 'use namespace for one namespace by name, or namespaceSelector for namespaces by label');
    }
    for (const key of ['namespaceSelector', 'podSelector'] as const) {
      if (c[key] && Object.keys(c[key]!).length === 0) add([...at, key], 'is empty, which matches everything', `give at least one label, or remove ${key}`);
    }
  });
  for (const p of checkScheduling(s.scheduling)) add(['spec', 'scheduling', ...p.path], p.message, p.hint);
  for (const p of checkAcl(s.auth.acl)) {
    const path = ['spec', 'auth', 'acl', ...p.path];
    const at = p.offset === undefined ? src.positionOf(path) : src.positionInString(path, p.offset);
    out.push({ file: src.file, line: at.line, col: at.col, path: formatPath(path), message: p.message, hint: p.hint });
  }
  if (s.restore?.source === 'remote' && !s.backup?.remote) {
    add(['spec', 'restore', 'source'], 'is remote but spec.backup.remote names no bucket', 'set spec.backup.remote (the bucket the set was uploaded to, with its prefix), or use source: volume');
  }
  if (s.tls?.enabled && !s.tls.existingSecret) {
    add(['spec', 'tls'], 'enabled without existingSecret', 'name a Secret holding tls.crt, tls.key and ca.crt in spec.tls.existingSecret');
  }
  out.push(...checkRequestsWithinLimits(env, src, clusters));
  return out;
}

/**
 * Parses and checks an environment spec. `file` is its workspace-relative path (for messages and to
 * check that metadata.name matches the folder). Throws InputError with every problem found.
 */
export function parseEnvironment(text: string, file: string, clusters: ClusterList): ParsedEnvironment {
  const { source, diagnostics } = parseYamlSource(text, file);
  if (!source) throw new InputError(diagnostics);
  const schemaProblems = checkAgainstSchema(environmentSchema, source.value, source);
  // Quantity traps (512m, 2G, < 1Mi) are checked beside the schema, so both are reported at once.
  const quantityProblems = checkQuantityFields(source, new Set(schemaProblems.map((d) => d.path)));
  if (schemaProblems.length || quantityProblems.length) throw new InputError([...schemaProblems, ...quantityProblems]);
  const spec = source.value as RedisEnvironment;
  const m = /(?:^|\/)environments\/([^/]+)\/environment\.ya?ml$/.exec(file);
  const problems = semanticChecks(spec, source, clusters, m?.[1]);
  if (problems.length) throw new InputError(problems);
  const cluster = clusters.clusters.find((c) => c.name === spec.spec.cluster)!;
  return { file, spec, source, resolved: resolveEnvironment(spec, cluster) };
}

/** Environment names must be unique across the workspace (they name Argo CD Applications). */
export function checkUniqueNames(envs: readonly { name: string; file: string; line: number; col: number }[]): Diagnostic[] {
  const first = new Map<string, string>();
  const out: Diagnostic[] = [];
  for (const e of envs) {
    const prev = first.get(e.name);
    if (prev) {
      out.push({
        file: e.file,
        line: e.line,
        col: e.col,
        path: 'metadata.name',
        message: `duplicate environment name "${e.name}" (also in ${prev})`,
        hint: 'environment names must be unique: they name Argo CD Applications and Helm releases',
      });
    } else first.set(e.name, e.file);
  }
  return out;
}
