/**
 * The chart repository as users consume it: publish, serve the folder on 127.0.0.1, then with an
 * isolated helm home: repo add, search, render every chart from the repository, and see
 * values.schema.json reject a bad value. Also: a changed chart without a version bump is refused.
 */
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { runHelm } from '../src/io/helm.ts';
import { makeFixture, type Fixture } from './workspace-fixture.ts';

let fx: Fixture;
let home: string;
let server: Server;
let url: string;
const out = () => fx.file('dist/charts');
const helm = (...args: string[]) => runHelm(args, { env: { HELM_CONFIG_HOME: path.join(home, 'config'), HELM_CACHE_HOME: path.join(home, 'cache'), HELM_DATA_HOME: path.join(home, 'data') } });
const charts = () =>
  readdirSync(fx.file('charts'))
    .filter((c) => existsSync(fx.file(`charts/${c}/Chart.yaml`)))
    .sort();

beforeAll(async () => {
  fx = makeFixture();
  home = mkdtempSync(path.join(os.tmpdir(), 'helm-home-'));
  const r = await fx.run('publish');
  expect(r.code).toBe(0);
  server = createServer((req, res) => {
    const file = path.join(out(), path.normalize(decodeURIComponent(req.url ?? '/')).replace(/^(\.\.[/\\])+/, ''));
    if (!file.startsWith(out()) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200);
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as { port: number };
  url = `http://127.0.0.1:${addr.port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  fx.cleanup();
  rmSync(home, { recursive: true, force: true });
});

describe('published chart repository', () => {
  it('packages every chart and writes an index with relative URLs', () => {
    const index = readFileSync(path.join(out(), 'index.yaml'), 'utf8');
    for (const c of charts()) expect(index).toMatch(new RegExp(`- ${c}-\\d+\\.\\d+\\.\\d+\\.tgz`));
    expect(index).toMatch(/^\s+- redis-cluster-\d+\.\d+\.\d+\.tgz$/m);
    expect(index).not.toMatch(/https?:\/\/\S*\.tgz/);
  });

  it('works with helm repo add, search and template from the repository', async () => {
    expect((await helm('repo', 'add', 'rg', url)).code).toBe(0);
    const search = await helm('search', 'repo', 'rg/', '--output', 'json');
    expect(search.code).toBe(0);
    expect((JSON.parse(search.stdout) as { name: string }[]).map((e) => e.name).sort()).toEqual(charts().map((c) => `rg/${c}`));
    for (const c of charts()) {
      const r = await helm('template', 'demo', `rg/${c}`, '--namespace', 'redis');
      expect({ c, code: r.code, err: r.stderr }).toEqual({ c, code: 0, err: '' });
      expect(r.stdout).toMatch(/^kind: /m);
    }
  });

  it("rejects a bad value through the chart's values.schema.json with a clear message", async () => {
    const r = await helm('template', 'demo', 'rg/redis-cluster', '--set', 'cluster.shards=2');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(r.stderr).toMatch(/cluster\/shards.*minimum|minimum.*3/s);
  });

  it('is idempotent, refuses a changed chart without a version bump, and takes the bump', async () => {
    const before = readdirSync(out()).sort();
    expect((await fx.run('publish')).stdout).toMatch(/0 added, \d+ unchanged/);
    const svc = fx.file('charts/redis-netpol/templates/NOTES.txt');
    writeFileSync(svc, `${readFileSync(svc, 'utf8')}\nchanged\n`);
    const indexBefore = readFileSync(path.join(out(), 'index.yaml'), 'utf8');
    const refused = await fx.run('publish');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/refused\s+redis-netpol-0\.1\.0\.tgz — redis-netpol-0\.1\.0\.tgz is already published with different content: bump version in charts\/redis-netpol\/Chart\.yaml/);
    expect(readdirSync(out()).sort()).toEqual(before);
    expect(readFileSync(path.join(out(), 'index.yaml'), 'utf8')).toBe(indexBefore);
    const chartYaml = fx.file('charts/redis-netpol/Chart.yaml');
    writeFileSync(chartYaml, readFileSync(chartYaml, 'utf8').replace(/^version: 0\.1\.0$/m, 'version: 0.1.1'));
    const bumped = await fx.run('publish');
    expect(bumped.code).toBe(0);
    expect(readdirSync(out())).toEqual(expect.arrayContaining(['redis-netpol-0.1.0.tgz', 'redis-netpol-0.1.1.tgz']));
  });
});
