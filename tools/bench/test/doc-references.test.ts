/**
 * Every file or folder of this repository that the docs (README.md, docs/*.md, charts/<chart>/README.md)
 * or the code (packages/<pkg>/src and bin, tools/, charts/<chart>/scripts) names exists.
 *
 * What counts as a reference:
 * - in docs, outside fenced code blocks: a word with a `/` that starts with a top-level folder of the
 *   repo or ends in a file extension, in inline code or in prose, and a bare `NAME.md`;
 * - in docs' fenced code blocks and in code: a word that starts with a top-level folder of the repo.
 * Words with a placeholder (`<`, `*`, `$`, `{`, `...`) and absolute paths (the container's) are skipped.
 *
 * Where a reference may point: from the repo root or the doc's folder; a chart README also from its
 * chart's folder, `templates/` and `tests/`; a chart-, environment- or package-relative path
 * (`tests/...`, `generated/RUNBOOK.md`, `src/alert-rules.ts`) when at least one chart, environment or
 * package has it; a bare `NAME.md` when some file of the repo has that name.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const TOP = ['packages', 'tools', 'charts', 'docs', 'environments', 'policies', 'argocd', '.github'];
const EXTENSIONS = ['md', 'ts', 'js', 'mjs', 'json', 'jsonc', 'sh', 'yaml', 'yml', 'tpl', 'txt', 'tgz'];
/** Paths in other repositories that the code names as sources. */
const ELSEWHERE = new Set(['docs/metrics/workload/pod-metrics.md']); // kube-state-metrics' docs

const files = (): string[] =>
  execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && existsSync(path.join(REPO, f)));

const subdirs = (dir: string): string[] =>
  readdirSync(path.join(REPO, dir), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(dir, d.name));

const topLevel = (word: string): boolean => TOP.some((t) => word.startsWith(`${t}/`));
const placeholder = (word: string): boolean => /[<>*${}]|\.\.\.|…|:\/\//.test(word) || word.startsWith('/');
/** A word as it may stand in text: trailing punctuation and a trailing `:line` cut off. */
const clean = (word: string): string =>
  word
    .replace(/^["']+/, '')
    .replace(/#.*$/, '') // A link's anchor.
    .replace(/["',.;:]+$/, '')
    .replace(/'s$/, '')
    .replace(/:\d+(:\d+)?$/, '');
const looksLikePath = (word: string): boolean => topLevel(word) || (word.includes('/') && new RegExp(`\\.(${EXTENSIONS.join('|')})$`).test(word)) || /^[A-Z][A-Z0-9_-]*\.md$/.test(word);

/** [line, word] of every reference in a Markdown document. */
function markdownReferences(text: string): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  let fenced = false;
  text.split('\n').forEach((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return;
    }
    // Inline code spans are read word by word too (`node tools/x.ts --flag` names tools/x.ts), and
    // links by their target ([docs/x.md](docs/x.md#anchor)).
    for (const raw of line.replace(/[`()[\]]/g, ' ').split(/\s+/)) {
      const word = clean(raw);
      if (!word || placeholder(word)) continue;
      if (fenced ? topLevel(word) : looksLikePath(word)) out.push([i + 1, word]);
    }
  });
  return out;
}

/** [line, word] of every repo-rooted path in code. */
function codeReferences(text: string): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  const re = new RegExp(`(?<![\\w./@$-])((?:${TOP.map((t) => t.replace('.', '\\.')).join('|')})/[\\w./-]*)([^\\w./-]?)`, 'g');
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(re)) {
      if (m[2] && '$<*{['.includes(m[2])) continue; // A template: environments/${name}, charts/<chart>.
      out.push([i + 1, m[1]!.replace(/[./-]+$/, '')]);
    }
  });
  return out;
}

function missing(): string[] {
  const all = files();
  const charts = subdirs('charts');
  const sharedBases = [...charts, ...subdirs('environments'), ...subdirs('packages')];
  const names = new Set(all.map((f) => path.basename(f)));
  const problems: string[] = [];
  const docs = all.filter((f) => /^(README\.md|docs\/[^/]+\.md|charts\/[^/]+\/README\.md)$/.test(f));
  for (const doc of docs) {
    const chart = /^charts\/[^/]+/.exec(doc)?.[0];
    const bases = ['.', path.dirname(doc), ...(chart ? [chart, `${chart}/templates`, `${chart}/tests`] : []), ...sharedBases];
    for (const [line, word] of markdownReferences(readFileSync(path.join(REPO, doc), 'utf8'))) {
      if (!word.includes('/') && names.has(word)) continue;
      const from = topLevel(word) ? ['.'] : bases;
      if (!from.some((b) => existsSync(path.join(REPO, b, word)))) problems.push(`${doc}:${line}: ${word}`);
    }
  }
  const code = all.filter((f) => /^(packages\/[^/]+\/(src|bin)\/|tools\/(?!bench\/test\/)|charts\/[^/]+\/scripts\/)/.test(f) && /\.(ts|js|sh)$/.test(f));
  for (const file of code) {
    for (const [line, word] of codeReferences(readFileSync(path.join(REPO, file), 'utf8'))) {
      if (!ELSEWHERE.has(word) && !existsSync(path.join(REPO, word))) problems.push(`${file}:${line}: ${word}`);
    }
  }
  return problems;
}

describe('references to files of this repository', () => {
  it('finds references the way it is meant to', () => {
    const md = [
      'See `tools/bench/bench.ts` and `node tools/bench/yaml-readers.ts --n 200`.',
      "Proof: FACTS.md's, `io/helm.ts`, `<chart>/x.ts`, /scripts/a.sh, https://x.org/a.md, [the doc](docs/b.md#part).",
      '```sh',
      'node charts/c/x.ts',
      'cat some/thing.ts',
      '```',
    ].join('\n');
    expect(markdownReferences(md)).toEqual([
      [1, 'tools/bench/bench.ts'],
      [1, 'tools/bench/yaml-readers.ts'],
      [2, 'FACTS.md'],
      [2, 'io/helm.ts'],
      [2, 'docs/b.md'],
      [4, 'charts/c/x.ts'],
    ]);
    const code = ['// see packages/cli/src/io/helm.ts. And `environments/', '$', "{env}`, charts/<chart>/x, 'tools/run.sh'"].join('');
    expect(codeReferences(code)).toEqual([
      [1, 'packages/cli/src/io/helm.ts'],
      [1, 'tools/run.sh'],
    ]);
  });

  it('every referenced file exists', () => {
    expect(missing()).toEqual([]);
  });
});
