/**
 * The chart repository as users consume it: publish, serve the folder on 127.0.0.1, then with an
 * isolated helm home: repo add, search, render every chart from the repository, and see
 * values.schema.json reject a bad value. Also: a changed chart without a version bump is refused.
 */
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { listCharts } from '../src/io/charts.ts';
import { runHelm } from '../src/io/helm.ts';
import { makeFixture, type Fixture } from './workspace-fixture.ts';

let fx: Fixture;
let home: string;
let server: Server;
let url: string;
const out = () => fx.file('dist/charts');
const helm = (...args: string[]) => runHelm(args, { env: { HELM_CONFIG_HOME: path.join(home, 'config'), HELM_CACHE_HOME: path.join(home, 'cache'), HELM_DATA_HOME: path.join(home, 'data') } });
/** The charts users install (the redis-common library travels inside each of them). */
const charts = () => listCharts(fx.root);
/** The entries of a .tgz: name and type ('0' file, '2' symbolic link, '5' folder), from the tar headers. */
function tarEntries(tgz: string): { name: string; type: string; size: number }[] {
  const tar = gunzipSync(readFileSync(tgz));
  const entries: { name: string; type: string; size: number }[] = [];
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0; ) {
    const header = tar.subarray(at, at + 512);
    const text = (from: number, len: number) =>
      header
        .subarray(from, from + len)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const prefix = text(345, 155);
    const name = (prefix ? `${prefix}/` : '') + text(0, 100);
    const size = Number.parseInt(text(124, 12).trim() || '0', 8);
    entries.push({ name, type: text(156, 1) || '0', size });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

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

  it('ships the redis-common library inside every chart that depends on it, as ordinary files', () => {
    expect(readdirSync(out()).filter((f) => f.startsWith('redis-common'))).toEqual([]);
    const library = readdirSync(fx.file('charts/redis-common/templates')).sort();
    expect(library.length).toBeGreaterThan(3);
    for (const c of charts()) {
      const version = (readFileSync(fx.file(`charts/${c}/Chart.yaml`), 'utf8').match(/^version: (\S+)$/m) ?? [])[1];
      const entries = tarEntries(path.join(out(), `${c}-${version}.tgz`));
      expect({ c, links: entries.filter((e) => e.type === '2').map((e) => e.name) }).toEqual({ c, links: [] });
      const shipped = entries
        .filter((e) => e.name.startsWith(`${c}/charts/redis-common/templates/`))
        .map((e) => path.basename(e.name))
        .sort();
      expect({ c, shipped }).toEqual({ c, shipped: library });
      // The scripts a chart links in from the library are in its package too, with content.
      const scripts = entries.filter((e) => e.name.startsWith(`${c}/scripts/`));
      for (const s of scripts) expect({ s: s.name, size: s.size > 0 }).toEqual({ s: s.name, size: true });
    }
  });

  it("rejects a bad value through the chart's values.schema.json with a clear message", async () => {
    const r = await helm('template', 'demo', 'rg/redis-cluster', '--set', 'cluster.shards=2');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(r.stderr).toMatch(/cluster\/shards.*minimum|minimum.*3/s);
  });

  it('refuses image.tag=latest for every image of the Redis charts, with the reason in the message', async () => {
    const cases: [string, string][] = [
      ['redis-cluster', 'image.tag'],
      ['redis-cluster', 'metrics.image.tag'],
      ['redis-sentinel', 'image.tag'],
    ];
    for (const [chart, key] of cases) {
      const r = await helm('template', 'demo', `rg/${chart}`, '--set', `${key}=latest`);
      expect({ chart, key, code: r.code }).toEqual({ chart, key, code: 1 });
      expect(r.stderr).toContain(`at '/${key.replaceAll('.', '/')}': value must be 'an exact version, not latest (e.g. 7.4.2)'`);
      const pinned = await helm('template', 'demo', `rg/${chart}`, '--set', `${key}=7.2.5`);
      expect({ chart, key, code: pinned.code }).toEqual({ chart, key, code: 0 });
    }
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

  it('refuses every chart that carries a changed redis-common library until each is bumped', async () => {
    const names = fx.file('charts/redis-common/templates/_names.tpl');
    writeFileSync(names, `${readFileSync(names, 'utf8')}\n{{/* changed */}}\n`);
    const refused = await fx.run('publish');
    expect(refused.code).toBe(1);
    const refusedCharts = [...refused.stdout.matchAll(/^refused\s+(\S+?)-\d+\.\d+\.\d+\.tgz/gm)].map((m) => m[1]).sort();
    expect(refusedCharts).toEqual(charts().filter((c) => readFileSync(fx.file(`charts/${c}/Chart.yaml`), 'utf8').includes('name: redis-common')));
    expect(refusedCharts.length).toBeGreaterThan(0);
  });
});
