/**
 * Handlebars templates for the generated text artifacts. Compiled once, on first use.
 * Templates live here as strings so generation stays a pure function (no file reads).
 */
import Handlebars from 'handlebars';

const SOURCES = {
  environmentReadme: `{{{header}}}
# {{env.name}}

| | |
|---|---|
| Tier | \`{{env.tier}}\` |
| Cluster | \`{{env.cluster.name}}\` ({{env.cluster.arch}}, profile \`{{env.profile.name}}\`) |
| Namespace | \`{{env.namespace}}\` |
| Topology | {{#if (eq env.topology.mode "cluster")}}Redis Cluster, {{env.topology.shards}} shards x {{env.topology.replicasPerShard}} replica(s){{else}}Sentinel, 1 master + {{env.topology.replicasPerShard}} replica(s), {{env.topology.sentinel.count}} sentinels{{/if}} |
| Slots | {{#if env.topology.slots.length}}{{#each env.topology.slots}}\`{{this}}\`{{#unless @last}} / {{/unless}}{{/each}}{{else}}even split{{/if}} |
| Image | \`{{env.redis.image}}:{{env.redis.version}}\` |
| Memory limit | \`{{env.resources.limits.memory}}\` (maxmemory {{percent env.redis.maxmemoryRatio}} of it) |
| Persistence | {{#if env.persistence.enabled}}\`{{env.persistence.size}}\` per pod{{#if env.persistence.aof}}, AOF{{/if}}{{#if env.persistence.rdbSave}}, RDB \`{{env.persistence.rdbSave}}\`{{/if}}{{else}}off{{/if}} |
| Backup | {{#if env.backup.enabled}}\`{{env.backup.schedule}}\`, keep {{env.backup.retention}}{{else}}off{{/if}} |

Files in this folder are Helm values, one per chart:

{{#each charts}}
- \`{{file}}\` for chart \`{{chart}}\`
{{/each}}
`,
} as const;

export type TemplateName = keyof typeof SOURCES;

const hb = Handlebars.create();
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hb.registerHelper('percent', (x: number) => `${Math.round(x * 100)}%`);

const compiled = new Map<TemplateName, Handlebars.TemplateDelegate>();

export function renderTemplate(name: TemplateName, context: unknown): string {
  let t = compiled.get(name);
  if (!t) {
    t = hb.compile(SOURCES[name], { noEscape: true, strict: true });
    compiled.set(name, t);
  }
  return t(context);
}
