/** The generated region of docs/benchmarks.md (tools/bench/doc-region.ts) and the --write-doc option. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { BEGIN, DocRegionError, END, generatedRegion, spliceRegion, writeRegion } from '../doc-region.ts';
import { DEFAULT_DOC, parseOptions, USAGE, UsageError, type BenchOptions } from '../options.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const doc = (region: string) => `# Title\n\nprose before\n\n${BEGIN}\n${region}\n${END}\n\nprose after\n`;

describe('spliceRegion', () => {
  it('replaces only the text between the markers', () => {
    const out = spliceRegion(doc('old table\n| a |'), '## Results\n\n| new |\n');
    expect(out).toBe(`# Title\n\nprose before\n\n${BEGIN}\n\n## Results\n\n| new |\n\n${END}\n\nprose after\n`);
    expect(generatedRegion(out)).toBe('## Results\n\n| new |');
  });

  it('gives the same document when run twice with the same output', () => {
    const once = spliceRegion(doc('x'), 'y');
    expect(spliceRegion(once, 'y')).toBe(once);
  });

  it('names the file and the problem when a marker is missing, repeated or out of order', () => {
    expect(() => spliceRegion('# no markers\n', 'x', 'docs/b.md')).toThrow(DocRegionError);
    expect(() => spliceRegion('# no markers\n', 'x', 'docs/b.md')).toThrow(/^docs\/b\.md: the begin marker .* occurs 0 times \(expected once\); the end marker .* occurs 0 times/);
    expect(() => spliceRegion(`${BEGIN}\nx\n`, 'x')).toThrow(/the end marker .* occurs 0 times/);
    expect(() => spliceRegion(`${BEGIN}\n${BEGIN}\n${END}\n`, 'x')).toThrow(/the begin marker .* occurs 2 times/);
    expect(() => spliceRegion(`${END}\nx\n${BEGIN}\n`, 'x')).toThrow(/the end marker comes before the begin marker/);
  });
});

describe('writeRegion', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-doc-region-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the new document and leaves no temporary file', () => {
    const file = path.join(dir, 'benchmarks.md');
    writeFileSync(file, doc('old'));
    writeRegion(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe(spliceRegion(doc('old'), 'new'));
    expect(readdirSync(dir)).toEqual(['benchmarks.md']);
  });

  it('leaves a document without markers untouched', () => {
    const file = path.join(dir, 'plain.md');
    writeFileSync(file, '# plain\n');
    expect(() => writeRegion(file, 'new')).toThrow(DocRegionError);
    expect(readFileSync(file, 'utf8')).toBe('# plain\n');
  });
});

describe('docs/benchmarks.md', () => {
  const text = readFileSync(path.join(REPO, DEFAULT_DOC), 'utf8');

  it('has one generated region, printed by the bench (its first heading)', () => {
    expect(generatedRegion(text)).toMatch(/^## Results\n/);
  });

  it('documents every option of the bench', () => {
    const flags = [...USAGE.matchAll(/^ {2}(-[-\w]+)/gm)].map((m) => m[1]!).filter((f) => f !== '-h');
    expect(flags.length).toBeGreaterThan(10);
    expect(flags.filter((f) => !text.includes(`\`${f}`))).toEqual([]);
  });
});

describe('parseOptions --write-doc', () => {
  const opts = (...argv: string[]) => parseOptions(argv) as BenchOptions;

  it('writes nothing by default, docs/benchmarks.md with the flag, or the file given inline', () => {
    expect(opts().writeDoc).toBeUndefined();
    expect(opts('--write-doc', '--runs', '1')).toMatchObject({ writeDoc: DEFAULT_DOC, runs: 1 });
    expect(opts('--write-doc=/tmp/x.md').writeDoc).toBe('/tmp/x.md');
    expect(() => opts('--write-doc=')).toThrow(UsageError);
  });

  it('skips the YAML reader comparison with --skip-yaml-readers', () => {
    expect(opts().yamlReaders).toBe(true);
    expect(opts('--skip-yaml-readers').yamlReaders).toBe(false);
  });
});
