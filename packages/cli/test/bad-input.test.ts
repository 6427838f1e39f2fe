/**
 * Every kind of bad input exits 2 with a file:line:col message and leaves every file as it was.
 * Runs the real CLI in-process against a copy of the workspace (real charts, real helm).
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, cpSync } from 'node:fs';
import { makeFixture, type Fixture } from './workspace-fixture.ts';

const PROD = 'environments/prod-x86/environment.yaml';

let fx: Fixture;
beforeEach(async () => {
  fx = makeFixture();
  // Start from a generated tree, so "nothing changed" covers existing generated files too.
  expect((await fx.run('generate')).code).toBe(0);
});
afterEach(() => fx.cleanup());

function edit(rel: string, change: (text: string) => string): void {
  const file = fx.file(rel);
  writeFileSync(file, change(readFileSync(file, 'utf8')));
}

/** Runs generate (and validate) on the broken tree: both must exit 2, say where, and write nothing. */
async function expectRejected(pattern: RegExp): Promise<string> {
  const before = fx.snapshot();
  for (const cmd of ['generate', 'validate']) {
    const r = await fx.run(cmd);
    expect({ cmd, code: r.code }).toEqual({ cmd, code: 2 });
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).toMatch(/no file was written/);
  }
  expect(fx.snapshot()).toEqual(before);
  return (await fx.run('generate')).stderr;
}

describe('bad input: exit 2, a precise message, nothing written', () => {
  it('malformed YAML', async () => {
    edit(PROD, (t) => t.replace('  tier: production', '  tier: [production'));
    await expectRejected(/^environments\/prod-x86\/environment\.yaml:\d+:\d+ invalid YAML/m);
  });

  it('a wrong type', async () => {
    edit(PROD, (t) => t.replace('replicasPerShard: 1', 'replicasPerShard: one'));
    await expectRejected(/^environments\/prod-x86\/environment\.yaml:16:23 spec\.topology\.replicasPerShard: must be integer \(got "one"\)/m);
  });

  it('an unknown field, with did-you-mean', async () => {
    edit(PROD, (t) => t.replace('    storageClass: fast-ssd', '    storageClas: fast-ssd'));
    await expectRejected(/environment\.yaml:\d+:5 spec\.persistence\.storageClas: unknown field "storageClas" — did you mean "storageClass"\?/);
  });

  it('a missing required field', async () => {
    edit(PROD, (t) => t.replace('  namespace: redis-prod\n', ''));
    await expectRejected(/environment\.yaml:\d+:\d+ spec\.namespace: missing required field "namespace"/);
  });

  it('shards < 3 in cluster mode', async () => {
    edit('environments/dev-x86/environment.yaml', (t) => t.replace('shards: 3', 'shards: 2'));
    await expectRejected(/^environments\/dev-x86\/environment\.yaml:15:13 spec\.topology\.shards: must be >= 3 \(got 2\) — Redis Cluster needs at least 3 masters$/m);
  });

  it('an overlapping slot layout', async () => {
    edit(PROD, (t) => t.replace('- 5001-10000', '- 4000-10000'));
    await expectRejected(/environment\.yaml:\d+:\d+ spec\.topology\.slots\[1\]: overlaps shard 0: slot\(s\) 4000-5000 are assigned twice/);
  });

  it('an incomplete slot layout', async () => {
    edit(PROD, (t) => t.replace('- 10001-16383', '- 10001-16000'));
    await expectRejected(/spec\.topology\.slots: slot\(s\) 16001-16383 are not assigned to any shard/);
  });

  it('a cluster not in clusters.yaml', async () => {
    edit(PROD, (t) => t.replace('cluster: x86-prod', 'cluster: x86-prd'));
    await expectRejected(/spec\.cluster: unknown cluster "x86-prd" — did you mean "x86-prod"\?/);
  });

  it('two environments with the same name', async () => {
    cpSync(fx.file('environments/dev-x86'), fx.file('environments/dev-x86-copy'), { recursive: true });
    rmSync(fx.file('environments/dev-x86-copy/generated'), { recursive: true });
    await expectRejected(/environments\/dev-x86-copy\/environment\.yaml:\d+:\d+ metadata\.name: duplicate environment name "dev-x86" \(also in environments\/dev-x86\/environment\.yaml\)/);
  });

  it('an unreadable file (a broken link)', async () => {
    mkdirSync(fx.file('environments/broken'));
    symlinkSync('does-not-exist.yaml', fx.file('environments/broken/environment.yaml'));
    await expectRejected(/^environments\/broken\/environment\.yaml cannot read: file does not exist \(or is a broken link\)/m);
  });

  it('an unreadable clusters.yaml (a directory)', async () => {
    rmSync(fx.file('environments/clusters.yaml'));
    mkdirSync(fx.file('environments/clusters.yaml'));
    const before = fx.snapshot();
    const r = await fx.run('validate');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/environments\/clusters\.yaml cannot read: is a directory/);
    expect(fx.snapshot()).toEqual(before);
  });

  it('a spec whose generated values the chart schema rejects (chart tightened its schema)', async () => {
    const schemaFile = fx.file('charts/redis-cluster/values.schema.json');
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
    schema.properties.cluster.properties.replicasPerShard.minimum = 2;
    writeFileSync(schemaFile, JSON.stringify(schema));
    await expectRejected(
      /^environments\/prod-x86\/environment\.yaml:16:23 spec\.topology\.replicasPerShard: chart redis-cluster rejects the generated value cluster\.replicasPerShard: must be >= 2 \(got 1\)/m,
    );
  });

  it('reports problems from several files in one run', async () => {
    edit(PROD, (t) => t.replace(/^ {2}tier: production$/m, '  tier: prod'));
    edit('environments/dev-x86/environment.yaml', (t) => t.replace('shards: 3', 'shards: 1'));
    const r = await fx.run('validate');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dev-x86\/environment\.yaml:15:13 spec\.topology\.shards/);
    expect(r.stderr).toMatch(/prod-x86\/environment\.yaml:\d+:\d+ spec\.tier: must be one of dev, staging, production \(got "prod"\) — did you mean "production"\?/);
  });
});

describe('usage errors exit 2', () => {
  it('an unknown command', async () => {
    const r = await fx.run('valdate');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "valdate"/);
  });

  it('an unknown option', async () => {
    const r = await fx.run('validate', '--nope');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown option '--nope'/);
  });

  it('an unknown environment, with did-you-mean', async () => {
    const r = await fx.run('validate', '--env', 'prod-x68');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown environment "prod-x68" — did you mean "prod-x86"\?/);
  });

  it('render without --env', async () => {
    const r = await fx.run('render');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/render needs exactly one --env NAME/);
  });
});
