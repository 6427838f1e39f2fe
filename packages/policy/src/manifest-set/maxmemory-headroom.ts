/**
 * Rule `maxmemory-headroom`: Redis's maxmemory leaves room below the container's memory limit for
 * the fork of BGSAVE/AOF rewrites, replication buffers and fragmentation: 0 < maxmemory <= 80% of
 * limits.memory. The chart writes `maxmemory <bytes>` into the `redis.conf` key of a ConfigMap the
 * StatefulSet mounts while the limit sits on the StatefulSet, so one admission policy (which sees
 * one object) cannot check it. A `--maxmemory` argument on the container wins over the file, as in
 * redis-server. Sentinel pods (component sentinel) are skipped: sentinel mode ignores maxmemory.
 */
import type { RenderedObject } from '@redis-gitops/manifests';
import { parseKubernetesQuantity } from '@redis-gitops/quantity';
import {
  asList,
  at,
  COMPONENT,
  containersOf,
  findingAt,
  isRecord,
  namespaceOf,
  podLabelsOf,
  podTemplateOf,
  subjectOf,
  type Json,
  type ManifestSetContext,
  type ManifestSetFinding,
} from './workloads.ts';

/** The largest share of limits.memory maxmemory may take. */
export const MAXMEMORY_LIMIT_RATIO = 0.8;

const REDIS_UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };

/** A redis.conf memory value (`1610612736`, `100mb`, `2GB`, `1g`) in bytes; undefined when invalid. */
export function parseRedisMemory(value: string): number | undefined {
  const m = /^([0-9]+)([a-z]*)$/i.exec(value.trim());
  const unit = m ? REDIS_UNITS[m[2]!.toLowerCase()] : undefined;
  return m && unit !== undefined ? Number(m[1]) * unit : undefined;
}

/** The last `maxmemory` directive of a redis.conf text (later lines win in redis-server). */
export function maxmemoryOf(conf: string): string | undefined {
  let value: string | undefined;
  for (const line of conf.split('\n')) {
    const m = /^\s*maxmemory\s+(\S+)\s*$/i.exec(line);
    if (m) value = m[1];
  }
  return value;
}

function isRedisContainer(c: Json): boolean {
  const image = typeof c.image === 'string' ? c.image.split('@')[0]! : '';
  return c.name === 'redis' || /(^|\/)redis(:[^/]*)?$/.test(image);
}

function mountedConfigMaps(template: Json | undefined): string[] {
  const names: string[] = [];
  for (const v of asList(at(template, 'spec', 'volumes')).filter(isRecord)) {
    const direct = at(v, 'configMap', 'name');
    if (typeof direct === 'string') names.push(direct);
    for (const source of asList(at(v, 'projected', 'sources'))) {
      const name = at(source, 'configMap', 'name');
      if (typeof name === 'string') names.push(name);
    }
  }
  return names;
}

const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

export function checkMaxmemoryHeadroom(objects: readonly RenderedObject[], ctx: ManifestSetContext): ManifestSetFinding[] {
  const findings: ManifestSetFinding[] = [];
  for (const sts of objects.filter((o) => o.kind === 'StatefulSet')) {
    // Sentinels run redis-server in sentinel mode (often from the redis image) and ignore maxmemory.
    if (podLabelsOf(sts)[COMPONENT] === 'sentinel') continue;
    const template = podTemplateOf(sts);
    const containers = containersOf(template);
    const container = containers.find((c) => c.name === 'redis') ?? containers.find(isRedisContainer);
    if (!container) continue;
    const limitText = at(container, 'resources', 'limits', 'memory');
    const limit = typeof limitText === 'number' ? limitText : typeof limitText === 'string' ? parseKubernetesQuantity(limitText)?.asApproximateFloat() : undefined;
    if (limit === undefined) continue; // no memory limit: the resource-limits policy reports it.

    const ns = namespaceOf(sts, ctx);
    const args = [...asList(container.command), ...asList(container.args)].map(String);
    const argIndex = args.indexOf('--maxmemory');
    let setting: { value: string; where: string; path: string } | undefined;
    if (argIndex >= 0 && args[argIndex + 1] !== undefined)
      setting = { value: args[argIndex + 1]!, where: `the --maxmemory argument of container "${String(container.name)}"`, path: 'spec.template.spec.containers[].args' };
    else {
      for (const name of mountedConfigMaps(template)) {
        const cm = objects.find((o) => o.kind === 'ConfigMap' && o.name === name && namespaceOf(o, ctx) === ns);
        const conf = at(cm?.object, 'data', 'redis.conf');
        if (typeof conf !== 'string') continue;
        const value = maxmemoryOf(conf);
        setting = { value: value ?? '', where: `ConfigMap ${ns ? `${ns}/` : ''}${name} (redis.conf)`, path: 'data.redis.conf' };
        if (value !== undefined) break;
      }
    }
    if (!setting) continue; // no redis.conf mounted (e.g. sentinels): nothing to compare.

    const subject = subjectOf(sts, ctx);
    const bytes = parseRedisMemory(setting.value);
    const allowed = Math.floor(limit * MAXMEMORY_LIMIT_RATIO);
    const hint = `set maxmemory to at most ${MAXMEMORY_LIMIT_RATIO * 100}% of the memory limit (${allowed} bytes for ${limitText}); the charts derive it from spec.redis.maxmemoryRatio`;
    if (setting.value === '' || bytes === 0) {
      findings.push(
        findingAt(
          sts,
          ctx,
          'maxmemory-headroom',
          `${subject} runs Redis without maxmemory (${setting.where}), so it grows until the kernel OOM-kills it at the ${String(limitText)} limit`,
          hint,
          setting.path,
        ),
      );
    } else if (bytes === undefined) {
      findings.push(findingAt(sts, ctx, 'maxmemory-headroom', `${subject}: maxmemory "${setting.value}" in ${setting.where} is not a Redis memory value`, hint, setting.path));
    } else if (bytes > allowed) {
      findings.push(
        findingAt(
          sts,
          ctx,
          'maxmemory-headroom',
          `${subject} sets maxmemory ${setting.value} (${gib(bytes)}, ${Math.round((bytes / limit) * 100)}% of the ${String(limitText)} memory limit) in ${setting.where}: more than ${MAXMEMORY_LIMIT_RATIO * 100}% leaves no room for fork and buffers`,
          hint,
          setting.path,
        ),
      );
    }
  }
  return findings;
}
