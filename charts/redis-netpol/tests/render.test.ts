/**
 * Chart unit tests: the real helm renders charts/redis-netpol with each ci/ scenario; the objects
 * must pass the Kubernetes schemas, the netpol-shape admission policy (evaluated offline, production
 * namespace) and, rendered together with the Redis chart they protect, the manifest-set checks
 * netpol-coverage and default-deny-ingress. Values that would admit everyone must fail the render.
 */
import { checkObjects } from '@redis-gitops/manifests';
import { checkManifestSet, evaluate } from '@redis-gitops/policy';
import { lintChart } from '@redis-gitops/redis-testkit';
import { byName, CHART, helmTemplate, NAMESPACE, ofKind, policySet, PRODUCTION_LABELS, render, renderWithRedis, scenario, SCENARIOS, type Obj, type RedisChart } from './lib/chart.ts';

const names = async (args: string[] = []) => (await render(args)).map((o) => o.name).sort();
const portsOf = (np: Obj, dir: 'ingress' | 'egress'): (number | string)[] => (np.spec[dir] ?? []).flatMap((r: Obj) => (r.ports ?? []).map((p: Obj) => p.port));
const allPorts = (objs: Obj[]) => new Set(objs.flatMap((np) => [...portsOf(np, 'ingress'), ...portsOf(np, 'egress')]));

describe('redis-netpol chart', () => {
  it('has the ci/ scenarios the issue asks for', () => {
    expect(SCENARIOS).toEqual(
      expect.arrayContaining(['cluster-values.yaml', 'sentinel-values.yaml', 'no-clients-values.yaml', 'several-clients-values.yaml', 'monitoring-off-values.yaml', 'backup-egress-values.yaml']),
    );
  });

  it.each(SCENARIOS)('renders ci/%s into NetworkPolicies that pass the Kubernetes schemas, unknown fields included', async (f) => {
    const objs = await render(scenario(f));
    expect(objs.length).toBeGreaterThanOrEqual(6);
    expect(await checkObjects(objs)).toEqual([]);
    expect(objs.map((o) => `${o.apiVersion} ${o.kind} ${o.namespace}`)).toEqual(objs.map(() => `networking.k8s.io/v1 NetworkPolicy ${NAMESPACE}`));
  });

  it('passes helm lint --strict with default values and every scenario', async () => {
    expect(await lintChart(CHART, SCENARIOS)).toEqual([]);
  });

  it('puts one NetworkPolicy in each template, under a comment that says what it admits and why', async () => {
    for (const f of SCENARIOS) {
      const r = await helmTemplate(CHART, scenario(f));
      const docs = r.stdout.split(/^---$/m).filter((d) => d.trim());
      for (const doc of docs) {
        const source = /^# Source: (.+)$/m.exec(doc)?.[1];
        const comment = doc.split('\n').filter((l) => /^# /.test(l) && !l.startsWith('# Source:'));
        expect({ f, source, kinds: (doc.match(/^kind: /gm) ?? []).length, commented: comment.join(' ').length > 150 }).toEqual({ f, source, kinds: 1, commented: true });
      }
    }
  });

  it('denies every ingress and egress of every pod of the release by default, by instance + part-of', async () => {
    const deny = byName(await render(), 'rc-redis-netpol-default-deny');
    expect(deny.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'rc', 'app.kubernetes.io/part-of': 'redis-gitops' } },
      policyTypes: ['Ingress', 'Egress'],
    });
    const prod = byName(await render(scenario('cluster-values.yaml')), 'rc-redis-netpol-default-deny');
    expect(prod.spec.podSelector.matchLabels['app.kubernetes.io/instance']).toBe('prod-x86');
    expect(byName(await render(), 'rc-redis-netpol-namespace-default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    expect(await names(['--set', 'namespaceDefaultDeny=false'])).not.toContain('rc-redis-netpol-namespace-default-deny');
  });

  it('renders cluster-only rules for redis-cluster and sentinel-only rules for redis-sentinel', async () => {
    const cluster = ofKind(await render(scenario('cluster-values.yaml')), 'NetworkPolicy');
    expect([...allPorts(cluster)].sort()).toEqual([16379, 53, 6379, 'metrics'].sort());
    const sentinel = ofKind(await render(scenario('sentinel-values.yaml')), 'NetworkPolicy');
    expect([...allPorts(sentinel)].sort()).toEqual([26379, 53, 6379, 'metrics', 'redis', 'redis-ro'].sort()); // redis, redis-ro: the master endpoint (HAProxy)
    expect(await names(scenario('cluster-values.yaml'))).toEqual(['clients', 'default-deny', 'dns', 'jobs', 'metrics', 'namespace-default-deny', 'redis'].map((s) => `rc-redis-netpol-${s}`));
    expect(await names(scenario('sentinel-values.yaml'))).toEqual(
      ['clients', 'default-deny', 'dns', 'haproxy', 'jobs', 'metrics', 'namespace-default-deny', 'redis', 'redis-from-haproxy', 'sentinel', 'sentinel-clients'].map((s) => `rc-redis-netpol-${s}`),
    );
    // The bootstrap Job exists only in redis-cluster.
    const jobs = (objs: Obj[]) => objs.find((o) => o.metadata.name.endsWith('-jobs'))!.spec.podSelector.matchExpressions[0].values;
    expect(jobs(cluster)).toEqual(['backup', 'bootstrap']);
    expect(jobs(sentinel)).toEqual(['backup']);
  });

  it("selects the Redis pods with the Redis charts' own labels, following target.name", async () => {
    const redis = byName(await render(['--set', 'target.release=cache', '--set', 'target.name=my-redis']), 'rc-redis-netpol-redis');
    expect(redis.spec.podSelector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'my-redis',
      'app.kubernetes.io/instance': 'cache',
      'app.kubernetes.io/component': 'redis',
      'app.kubernetes.io/part-of': 'redis-gitops',
    });
  });

  it('turns each kind of client into one peer: namespace by name, namespaceSelector as given, podSelector alone for the own namespace', async () => {
    const clients = byName(await render(scenario('several-clients-values.yaml')), 'rc-redis-netpol-clients');
    expect(clients.spec.ingress).toEqual([
      {
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'batch' } } },
          { namespaceSelector: { matchLabels: { team: 'payments', 'redis-gitops.dev/tier': 'production' } }, podSelector: { matchLabels: { 'app.kubernetes.io/component': 'api' } } },
          { namespaceSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'edge'] }] }, podSelector: { matchLabels: { 'redis-client': 'true' } } },
          { podSelector: { matchLabels: { app: 'sidekiq' } } },
        ],
        ports: [{ port: 6379, protocol: 'TCP' }],
      },
    ]);
  });

  it('leaves out what is switched off: no client policy without clients, no metrics policy without monitoring, backup egress only when asked', async () => {
    const none = await names(scenario('no-clients-values.yaml'));
    expect(none.filter((n) => n.includes('clients'))).toEqual([]);
    expect(await names(scenario('monitoring-off-values.yaml'))).not.toContain('rc-redis-netpol-metrics');
    expect(await names()).not.toContain('rc-redis-netpol-backup-egress');
    const backup = byName(await render(scenario('backup-egress-values.yaml')), 'rc-redis-netpol-backup-egress');
    expect(backup.spec.podSelector.matchExpressions).toEqual([{ key: 'app.kubernetes.io/component', operator: 'In', values: ['backup', 'backup-drill'] }]);
    const restoring = byName(await render([...scenario('backup-egress-values.yaml'), '--set', 'backup.restoreFromBucket=true']), 'rc-redis-netpol-backup-egress');
    expect(restoring.spec.podSelector.matchExpressions[0].values).toEqual(['backup', 'backup-drill', 'redis']);
    expect(backup.spec.egress.map((r: Obj) => [r.to[0].ipBlock.cidr, r.ports[0].port])).toEqual([
      ['10.20.30.0/24', 443],
      ['172.31.8.15/32', 443],
      ['2001:db8:10::/48', 443],
    ]);
  });

  describe('netpol-shape (the admission policy, evaluated offline in a production namespace)', () => {
    const set = policySet('netpol-shape');

    it.each(SCENARIOS)('admits every NetworkPolicy of ci/%s (the backup egress policy aside, see below)', async (f) => {
      const objs = await render(scenario(f));
      const results = evaluate(set, objs, { namespaceLabels: PRODUCTION_LABELS });
      expect(results.filter((r) => r.name !== 'rc-redis-netpol-backup-egress').map((r) => `${r.name}: ${r.message}`)).toEqual([]);
    });

    it('flags the backup egress policy for its non-Redis port only (netpol-shape allows 53 and Redis ports in egress; backups to S3 need 443)', async () => {
      // Known conflict, reported to the policy owners: backup egress to object storage is a port
      // outside the list. This test pins that nothing ELSE of that policy is flagged, and keeps
      // passing when the policy learns to allow backup egress.
      const results = evaluate(set, await render(scenario('backup-egress-values.yaml')), { namespaceLabels: PRODUCTION_LABELS });
      for (const r of results)
        expect(r.message).toBe(`NetworkPolicy ${NAMESPACE}/rc-redis-netpol-backup-egress allows egress on 443; 443; 443, not only DNS (53) and the Redis ports (spec.egress[].ports)`);
    });
  });

  describe('together with the Redis chart it protects (one environment, production)', () => {
    const charts: RedisChart[] = ['redis-cluster', 'redis-sentinel'];

    it.each(charts)('%s (ci/production-values.yaml) + redis-netpol pass netpol-coverage and default-deny-ingress', async (chart) => {
      const { redis, all } = await renderWithRedis(chart, [], 'prod-x86');
      const codes = ['netpol-coverage', 'default-deny-ingress'];
      // Without this chart both checks fail: the test is not vacuous.
      expect(
        checkManifestSet(redis, { tier: 'production', namespace: NAMESPACE })
          .map((f) => f.code)
          .filter((c) => codes.includes(c)).length,
      ).toBeGreaterThan(0);
      const findings = checkManifestSet(all, { tier: 'production', namespace: NAMESPACE }).filter((f) => codes.includes(f.code));
      expect(findings.map((f) => `${f.code}: ${f.message}`)).toEqual([]);
      expect(await checkObjects(all)).toEqual([]);
    });

    it.each(charts)('%s + redis-netpol without the namespace default deny fail default-deny-ingress (the switch is what the check needs)', async (chart) => {
      const { all } = await renderWithRedis(chart, ['--set', 'namespaceDefaultDeny=false'], 'prod-x86');
      expect(checkManifestSet(all, { tier: 'production', namespace: NAMESPACE }).map((f) => f.code)).toContain('default-deny-ingress');
    });
  });

  describe('values that would admit everyone fail the render', () => {
    const template = (args: string[]) => helmTemplate(CHART, args);

    it('refuses an empty client peer in the values schema, and again in the template when the schema is skipped', async () => {
      const schema = await template(['--set-json', 'clients=[{}]']);
      expect(schema.code).not.toBe(0);
      expect(schema.stderr).toContain("at '/clients/0': 'anyOf' failed");
      const tpl = await template(['--skip-schema-validation', '--set-json', 'clients=[{}]']);
      expect(tpl.code).not.toBe(0);
      expect(tpl.stderr).toContain(`clients[0] is an empty peer, which would admit every pod of namespace ${NAMESPACE} to Redis`);
      expect(tpl.stdout).toBe('');
    });

    it('refuses empty selectors and a namespace given twice, listing every problem at once', async () => {
      const bad = JSON.stringify([
        { podSelector: {} },
        { namespaceSelector: {}, podSelector: { matchLabels: { app: 'x' } } },
        { namespace: 'shop', namespaceSelector: { matchLabels: { a: 'b' } } },
        { podSelector: { matchLabels: {} } },
      ]);
      const schema = await template(['--set-json', `clients=${bad}`]);
      expect(schema.code).not.toBe(0);
      for (const i of [0, 1, 2, 3]) expect(schema.stderr).toContain(`at '/clients/${i}'`);
      const tpl = await template(['--skip-schema-validation', '--set-json', `clients=${bad}`]);
      expect(tpl.stderr).toContain('redis-netpol: 4 problem(s) in the values; nothing was rendered');
      expect(tpl.stderr).toContain('clients[0].podSelector is empty, and an empty selector means every pod of namespace redis-prod');
      expect(tpl.stderr).toContain('clients[1].namespaceSelector is empty, and an empty selector means every namespace of the cluster');
      expect(tpl.stderr).toContain('clients[2] has both namespace and namespaceSelector: give one');
      expect(tpl.stderr).toContain('clients[3].podSelector is empty');
    });

    it('refuses a world-open backup egress (0.0.0.0/0, ::/0, any /0) with a clear message', async () => {
      for (const cidr of ['0.0.0.0/0', '::/0', '10.0.0.0/0']) {
        const r = await template(['--set-json', `backup.egress=[{"cidr":"${cidr}","port":443}]`]);
        expect({ cidr, code: r.code }).toEqual({ cidr, code: 1 });
        expect(r.stderr).toContain(`backup.egress[0].cidr ${cidr} is the whole internet (prefix length 0)`);
      }
      const shape = await template(['--set-json', 'backup.egress=[{"cidr":"s3.example.com","port":443}]']);
      expect(shape.stderr).toContain("at '/backup/egress/0/cidr'");
      const tpl = await template(['--skip-schema-validation', '--set-json', 'backup.egress=[{"cidr":"s3.example.com","port":0}]']);
      expect(tpl.stderr).toContain('backup.egress[0].cidr "s3.example.com" is not a CIDR');
      expect(tpl.stderr).toContain('backup.egress[0].port 0 must be one TCP port, 1..65535');
    });

    it('refuses an empty Prometheus or DNS pod selector, and unknown keys', async () => {
      // `podSelector: {}` in a values file merges over the default (helm merges maps) and changes
      // nothing; only deleting the default's labels (null) empties the selector.
      expect((await template(['--set-json', 'monitoring.podSelector={}'])).code).toBe(0);
      const r = await template(['--set-json', 'monitoring.podSelector.matchLabels=null']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("at '/monitoring/podSelector': 'anyOf' failed");
      const tpl = await template(['--skip-schema-validation', '--set-json', 'monitoring.podSelector.matchLabels=null', '--set-json', 'dns.podSelector={"matchLabel":{"k8s-app":"kube-dns"}}']);
      expect(tpl.stderr).toContain('monitoring.podSelector is empty, and an empty selector means every pod of namespace monitoring');
      expect(tpl.stderr).toContain('dns.podSelector has unknown field(s) matchLabel');
      const typo = await template(['--set', 'client[0].namespace=shop']);
      expect(typo.stderr).toMatch(/additional propert(y|ies) 'client' not allowed/);
    });

    it('never renders an empty peer or a selector-less rule in any scenario', async () => {
      for (const f of SCENARIOS) {
        for (const o of await render(scenario(f))) {
          const spec = (o.object as Obj).spec;
          for (const [dir, key] of [
            ['ingress', 'from'],
            ['egress', 'to'],
          ] as const) {
            for (const rule of spec[dir] ?? []) {
              expect({ f, np: o.name, peers: (rule[key] ?? []).length > 0, ports: (rule.ports ?? []).length > 0 }).toEqual({ f, np: o.name, peers: true, ports: true });
              for (const peer of rule[key]) {
                const empty = (s: Obj | undefined) => s !== undefined && Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;
                expect({ f, np: o.name, peer, empty: Object.keys(peer).length === 0 || empty(peer.podSelector) || empty(peer.namespaceSelector) }).toEqual({ f, np: o.name, peer, empty: false });
              }
            }
          }
        }
      }
    });
  });
});
