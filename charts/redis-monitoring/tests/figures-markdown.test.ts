/**
 * The Markdown of the README's "Measured end to end" region (tests/e2e/lib/figures-markdown.ts), fed
 * with JSON lines as lib/figures.ts appends them; the region's markers in the README; the options of
 * tests/e2e/figures.ts. Pure: runs no e2e test.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { BEGIN, END, generatedRegion, spliceRegion } from '../../../tools/bench/doc-region.ts';
import { commandLine, parseOptions, testPathPattern, UsageError } from './e2e/figures.ts';
import { E2E_FIGURES_MARKERS, figuresMarkdown, FiguresFormatError, parseFigures, README, type FiguresContext } from './e2e/lib/figures-markdown.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const JSONL = [
  '{"kind":"soak","file":"cluster-alerts.test.ts","release":"redis-cluster","seconds":75,"load":"3750 SETs at 50/s","alertsFired":0}',
  '{"kind":"alert","file":"sentinel-split-brain.test.ts","alert":"RedisSplitBrain","incident":"old master back with its config","firingS":21.04}',
  '{"kind":"panels","file":"cluster-alerts.test.ts","release":"redis-cluster","state":"healthy","checked":24,"withData":24}',
  '{"kind":"alert","file":"cluster-alerts.test.ts","alert":"RedisDown","incident":"SIGKILL of a master | cluster","firingS":14.26,"repair":"the container restart","resolvedS":6.05}',
  '',
  '{"kind":"soak","file":"rolling-restart.test.ts","release":"redis-sentinel","seconds":120.4,"load":"writes (1x <addr>: ECONNREFUSED)","alertsFired":2,"maxSeverity":"info"}',
  '{"kind":"panels","file":"memory-growth.test.ts","release":"redis-cluster","state":"memory growth","checked":3,"withData":2}',
].join('\n');

const CTX: FiguresContext = {
  command: 'node charts/redis-monitoring/tests/e2e/figures.ts',
  machine: '2026-12-02 14:00 UTC, 2 cores',
  constants: { scrapeInterval: '2s', evaluationInterval: '1s', shortFor: '10s' },
  files: [
    { file: 'sentinel-split-brain.test.ts', passed: true },
    { file: 'cluster-alerts.test.ts', passed: true },
  ],
};

describe('parseFigures', () => {
  it('reads every figure line and skips blank lines', () => {
    const figures = parseFigures(JSONL);
    expect(figures.map((f) => f.kind)).toEqual(['soak', 'alert', 'panels', 'alert', 'soak', 'panels']);
  });

  it('names the line that is not a figure', () => {
    expect(() => parseFigures('{"kind":"alert","file":"a.test.ts"}\n{oops')).toThrow(FiguresFormatError);
    expect(() => parseFigures('{"kind":"alert","file":"a.test.ts"}\n{oops')).toThrow(/^line 2 is not JSON/);
    expect(() => parseFigures('{"kind":"other","file":"a.test.ts"}')).toThrow(/^line 1 is not a figure/);
  });
});

describe('figuresMarkdown', () => {
  const md = figuresMarkdown(parseFigures(JSONL), CTX);
  /** The table rows of the first table after `heading`. */
  const tableAfter = (heading: string): string[] => {
    const lines = md.slice(md.indexOf(heading)).split('\n');
    const start = lines.findIndex((l) => l.startsWith('|'));
    const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
    return lines.slice(start, end < 0 ? undefined : end);
  };

  it('names the command, the machine, the files run and the time constants', () => {
    expect(md).toMatch(/^Printed by `node charts\/redis-monitoring\/tests\/e2e\/figures\.ts`; nothing here is edited by hand\.\n/);
    expect(md).toContain('- machine: 2026-12-02 14:00 UTC, 2 cores\n');
    expect(md).toContain('- e2e files run: `tests/e2e/cluster-alerts.test.ts` (passed), `tests/e2e/sentinel-split-brain.test.ts` (passed)\n');
    expect(md).toContain('scrape interval 2s, rule evaluation interval 1s, shortened `for` 10s');
    expect(md).not.toContain('failed');
  });

  it('prints one alert row per figure, by file, with seconds to one decimal and "-" for no repair', () => {
    expect(tableAfter('### Alerts')).toEqual([
      '| alert | incident | firing after | repair | resolved after | file |',
      '|---|---|---|---|---|---|',
      '| `RedisDown` | SIGKILL of a master \\| cluster | 14.3 s | the container restart | 6.0 s | cluster-alerts |',
      '| `RedisSplitBrain` | old master back with its config | 21.0 s | - | - | sentinel-split-brain |',
    ]);
  });

  it('prints panels checked and with data, and flags panels without data', () => {
    expect(tableAfter('### Dashboard panels')).toEqual([
      '| release | state | panels checked | with data | file |',
      '|---|---|---|---|---|',
      '| redis-cluster | healthy | 24 | 24 | cluster-alerts |',
      '| redis-cluster | memory growth | 3 | 2 (MISSING DATA) | memory-growth |',
    ]);
  });

  it('prints the no-false-alarm windows with the alerts fired and the highest severity', () => {
    expect(tableAfter('### No false alarms')).toEqual([
      '| release | window | load | alerts fired | highest severity | file |',
      '|---|---|---|---|---|---|',
      '| redis-cluster | 75 s | 3750 SETs at 50/s | 0 | - | cluster-alerts |',
      '| redis-sentinel | 120 s | writes (1x &lt;addr&gt;: ECONNREFUSED) | 2 | info | rolling-restart |',
    ]);
  });

  it('says which files failed and that the figures stop there', () => {
    const failed = figuresMarkdown([], { ...CTX, files: [{ file: 'cluster-alerts.test.ts', passed: false }] });
    expect(failed).toContain('`tests/e2e/cluster-alerts.test.ts` (FAILED)');
    expect(failed).toContain('**1 file(s) failed: cluster-alerts.test.ts.');
    expect(failed).toContain('No alert figure was recorded.');
  });
});

describe('generated regions with their own markers (tools/bench/doc-region.ts)', () => {
  const doc = `# T\n\n${BEGIN}\nbench\n${END}\n\n${E2E_FIGURES_MARKERS.begin}\nold\n${E2E_FIGURES_MARKERS.end}\n`;

  it('replaces only the region of the markers given, and the bench region by default', () => {
    const out = spliceRegion(doc, 'new', README, E2E_FIGURES_MARKERS);
    expect(out).toBe(`# T\n\n${BEGIN}\nbench\n${END}\n\n${E2E_FIGURES_MARKERS.begin}\n\nnew\n\n${E2E_FIGURES_MARKERS.end}\n`);
    expect(generatedRegion(out)).toBe('bench');
    expect(generatedRegion(out, README, E2E_FIGURES_MARKERS)).toBe('new');
  });

  it('names the missing marker', () => {
    expect(() => spliceRegion('# none\n', 'x', README, E2E_FIGURES_MARKERS)).toThrow(/^charts\/redis-monitoring\/README\.md: the begin marker <!-- e2e-figures:start .* occurs 0 times/);
  });
});

describe('charts/redis-monitoring/README.md', () => {
  const text = readFileSync(path.join(REPO, README), 'utf8');

  it('has the e2e-figures region once, under "## Measured end to end", which names the command', () => {
    expect(() => generatedRegion(text, README, E2E_FIGURES_MARKERS)).not.toThrow();
    const section = text.slice(text.indexOf('\n## Measured end to end\n'));
    expect(section.indexOf(E2E_FIGURES_MARKERS.begin)).toBeGreaterThan(0);
    expect(section.slice(0, section.indexOf(E2E_FIGURES_MARKERS.begin))).toContain('node charts/redis-monitoring/tests/e2e/figures.ts');
  });

  it('holds a region printed by the command (or the note that it has not run yet)', () => {
    expect(generatedRegion(text, README, E2E_FIGURES_MARKERS)).toMatch(
      /^(Printed by `node charts\/redis-monitoring\/tests\/e2e\/figures\.ts[^`]*`; nothing here is edited by hand\.|Not measured yet: )/,
    );
  });
});

describe('the options of tests/e2e/figures.ts', () => {
  it('runs every e2e file by default, or the files --only names (repeated or comma-separated)', () => {
    expect(parseOptions([])).toEqual({ writeDoc: false, only: [], help: false });
    const o = parseOptions(['--only', 'cluster-alerts,memory-growth', '--only=sentinel-split-brain', '--write-doc']);
    expect(o).toEqual({ writeDoc: true, only: ['cluster-alerts', 'memory-growth', 'sentinel-split-brain'], help: false });
    expect(testPathPattern([])).toBe('e2e/');
    expect(testPathPattern(o.only)).toBe('e2e/.*(cluster-alerts|memory-growth|sentinel-split-brain)');
    expect(commandLine({ ...o, writeDoc: false })).toBe('node charts/redis-monitoring/tests/e2e/figures.ts --only cluster-alerts,memory-growth,sentinel-split-brain');
  });

  it('rejects unknown arguments and an --only without a valid pattern (exit code 2)', () => {
    expect(() => parseOptions(['--bogus'])).toThrow(UsageError);
    expect(() => parseOptions(['--only'])).toThrow(/--only needs a pattern/);
    expect(() => parseOptions(['--only', '('])).toThrow(/not a valid regular expression/);
    expect(parseOptions(['-h']).help).toBe(true);
  });
});
