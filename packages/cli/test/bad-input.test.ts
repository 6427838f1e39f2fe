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

/** 1-based line of the first line of `rel` (in the fixture) that contains `marker`. */
function lineOf(rel: string, marker: string): number {
  return (
    readFileSync(fx.file(rel), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(marker)) + 1
  );
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
    await expectRejected(new RegExp(`^environments/prod-x86/environment\\.yaml:${lineOf(PROD, 'replicasPerShard: one')}:23 spec\\.topology\\.replicasPerShard: must be integer \\(got "one"\\)`, 'm'));
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
    const line = lineOf('environments/dev-x86/environment.yaml', 'shards: 3');
    edit('environments/dev-x86/environment.yaml', (t) => t.replace('shards: 3', 'shards: 2'));
    await expectRejected(
      new RegExp(
        `^environments/dev-x86/environment\\.yaml:${line}:13 spec\\.topology\\.shards: must be >= 3 \\(got 2\\) — Number of masters in cluster mode\\. Redis Cluster needs at least 3 masters\\.$`,
        'm',
      ),
    );
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
      new RegExp(
        `^environments/prod-x86/environment\\.yaml:${lineOf(PROD, 'replicasPerShard: 1')}:23 spec\\.topology\\.replicasPerShard: chart redis-cluster rejects the generated value cluster\\.replicasPerShard: must be >= 2 \\(got 1\\)`,
        'm',
      ),
    );
  });

  it('reports problems from several files in one run', async () => {
    edit(PROD, (t) => t.replace(/^ {2}tier: production$/m, '  tier: prod'));
    const line = lineOf('environments/dev-x86/environment.yaml', 'shards: 3');
    edit('environments/dev-x86/environment.yaml', (t) => t.replace('shards: 3', 'shards: 1'));
    const r = await fx.run('validate');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`dev-x86/environment\\.yaml:${line}:13 spec\\.topology\\.shards`));
    expect(r.stderr).toMatch(/prod-x86\/environment\.yaml:\d+:\d+ spec\.tier: must be one of dev, staging, production \(got "prod"\) — did you mean "production"\?/);
  });
});

/** `rel:line:col` of `marker` (plus `offset` characters) in the fixture's current copy of `rel`. */
function where(rel: string, marker: string, offset = 0): string {
  const text = readFileSync(fx.file(rel), 'utf8');
  const i = text.indexOf(marker);
  if (i < 0) throw new Error(`${marker} not in ${rel}`);
  const before = text.slice(0, i + offset);
  return `${rel}:${before.split('\n').length}:${before.length - before.lastIndexOf('\n')}`;
}

/** The stderr lines about one file. */
const linesAbout = (stderr: string, rel: string) => stderr.split('\n').filter((l) => l.startsWith(rel));
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('issue 12: mistakes caught at the spec, with file:line:col', () => {
  const DEV = 'environments/dev-x86/environment.yaml';
  const bytes = (n: bigint) => new Intl.NumberFormat('en-US').format(n);

  it('memory in milli-bytes or decimal units', async () => {
    edit(PROD, (t) => t.replace('    requests:\n      cpu: 500m\n      memory: 2Gi', '    requests:\n      cpu: 500m\n      memory: 512m').replace('size: 16Gi', 'size: 2G'));
    const memory = where(PROD, 'memory: 512m', 'memory: '.length);
    const size = where(PROD, 'size: 2G', 'size: '.length);
    const stderr = await expectRejected(new RegExp(`^${escapeRegExp(memory)} `, 'm'));
    expect(linesAbout(stderr, PROD)).toEqual([
      `${memory} spec.resources.requests.memory: "512m" is ${512 / 1000} bytes: m means milli (thousandths), not mega — write 512Mi for 512 mebibytes (${bytes(512n << 20n)} bytes)`,
      `${size} spec.persistence.size: "2G" is ${bytes(2n * 10n ** 9n)} bytes (G is decimal giga), not 2Gi (${bytes(2n << 30n)} bytes) — write 2Gi; if you do mean decimal gigabytes, write the bytes out: ${2n * 10n ** 9n}`,
    ]);
  });

  it('a memory size below 1Mi, and a CPU request above its limit', async () => {
    edit(PROD, (t) => t.replace('    limits:\n', '    limits:\n      cpu: 250m\n'));
    const cpu = where(PROD, 'cpu: 500m', 'cpu: '.length);
    await expectRejected(new RegExp(`^${escapeRegExp(`${cpu} spec.resources.requests.cpu: must be <= limits.cpu 250m (got 500m) — Kubernetes rejects a request larger than its limit`)}$`, 'm'));
    edit(PROD, (t) => t.replace('size: 16Gi', 'size: "512"'));
    const size = where(PROD, 'size: "512"', 'size: '.length);
    await expectRejected(
      new RegExp(
        `^${escapeRegExp(`${size} spec.persistence.size: "512" is 512 byte(s): too small for a volume, the least is 1Mi (${bytes(1n << 20n)} bytes) — a number without a unit counts bytes: did you mean 512Mi?`)}$`,
        'm',
      ),
    );
  });

  it('a byte that is not UTF-8, at its line:col', async () => {
    const file = fx.file(PROD);
    const text = readFileSync(file, 'utf8');
    const at = where(PROD, 'team: payments', 'team: paym'.length);
    // "paym\xe9nts": the Latin-1 byte for é.
    writeFileSync(file, Buffer.concat([Buffer.from(text.slice(0, text.indexOf('payments') + 4)), Buffer.from([0xe9]), Buffer.from(text.slice(text.indexOf('payments') + 5))]));
    await expectRejected(new RegExp(`^${escapeRegExp(at)} is not UTF-8: byte 0xE9 here is not a valid UTF-8 character — save the file as UTF-8`, 'm'));
  });

  it('a UTF-8 BOM and CRLF line ends are accepted and generate the same output', async () => {
    for (const rel of [PROD, 'environments/clusters.yaml']) {
      const file = fx.file(rel);
      writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(readFileSync(file, 'utf8').replace(/\n/g, '\r\n'))]));
    }
    const r = await fx.run('generate', '--check');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('environment.yml instead of environment.yaml', async () => {
    mkdirSync(fx.file('environments/new-env'));
    cpSync(fx.file(DEV), fx.file('environments/new-env/environment.yml'));
    await expectRejected(/^environments\/new-env\/environment\.yml is not read: only environment\.yaml is, so environments\/new-env\/ has no environment — rename it to environment\.yaml$/m);
  });

  it('environment.yml beside environment.yaml', async () => {
    cpSync(fx.file(DEV), fx.file('environments/dev-x86/environment.yml'));
    await expectRejected(
      /^environments\/dev-x86\/environment\.yml is not read: environments\/dev-x86\/environment\.yaml is, and changes made here do nothing — move what you need into environment\.yaml and delete environment\.yml$/m,
    );
  });

  it('environment.yml, selected with --env', async () => {
    mkdirSync(fx.file('environments/new-env'));
    cpSync(fx.file(DEV), fx.file('environments/new-env/environment.yml'));
    const r = await fx.run('validate', '--env', 'new-env');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^environments\/new-env\/environment\.yml is not read/m);
  });

  it('one tab in the indentation: one error, at the tab', async () => {
    edit(DEV, (t) => t.replace('  namespace: redis-dev', '\tnamespace: redis-dev'));
    const at = where(DEV, '\tnamespace');
    const stderr = await expectRejected(/a tab indents this line/);
    expect(linesAbout(stderr, DEV)).toEqual([
      `${at} a tab indents this line: YAML indents with spaces only — replace the tab(s) at the start of line ${at.split(':')[1]} with spaces, as many as the lines around it use`,
    ]);
  });

  it('a duplicate key, by name', async () => {
    edit(PROD, (t) => t.replace('  tier: production\n', '  tier: production\n  tier: staging\n'));
    const first = where(PROD, '  tier: production').split(':')[1];
    await expectRejected(new RegExp(`^${escapeRegExp(where(PROD, 'tier: staging'))} spec\\.tier: duplicate key "tier" \\(also on line ${first}\\) — `, 'm'));
  });

  it('a version YAML reads as a number', async () => {
    edit(PROD, (t) => t.replace('version: 7.4.2', 'version: 7.4'));
    const at = where(PROD, 'version: 7.4', 'version: '.length);
    await expectRejected(new RegExp(`^${escapeRegExp(`${at} spec.redis.version: must be a string (got the number 7.4): YAML reads 7.4 as a number — write "7.4.2" in quotes`)}$`, 'm'));
  });

  it('a value that does not match the pattern gets an example, not a regex', async () => {
    edit(PROD, (t) => t.replace('namespace: redis-prod', 'namespace: Redis_Prod'));
    const at = where(PROD, 'Redis_Prod');
    const stderr = await expectRejected(new RegExp(`^${escapeRegExp(`${at} spec.namespace: must look like "redis-prod" (got "Redis_Prod")`)}`, 'm'));
    expect(linesAbout(stderr, PROD).join('\n')).not.toMatch(/[\^$]/);
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
