/** YAML syntax errors: the root cause once (a tab, a duplicate key by name), not its echoes. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseYamlSource } from '../src/index.ts';
import { FILE, positionIn, problems, ROOT, VALID } from './helpers.ts';

const DEV = 'environments/dev-x86/environment.yaml';
const dev = readFileSync(path.join(ROOT, DEV), 'utf8');
const TAB_MESSAGE = 'a tab indents this line: YAML indents with spaces only';

describe('a tab in the indentation is reported once, as the root cause', () => {
  it.each([
    ['a top-level spec field', '  namespace: redis-dev', '\tnamespace: redis-dev'],
    ['a nested field (two tabs)', '    shards: 3', '\t\tshards: 3'],
    ['a tab after spaces', '    shards: 3', '  \tshards: 3'],
    ['a list item', '      - namespace: apps-dev', '\t- namespace: apps-dev'],
  ])('%s', (_, line, tabbed) => {
    const text = dev.replace(line, tabbed);
    expect(text).not.toBe(dev);
    const found = problems(text, DEV);
    expect(found).toEqual([
      {
        file: DEV,
        ...positionIn(text, '\t'),
        path: '',
        message: TAB_MESSAGE,
        hint: expect.stringMatching(/replace the tab\(s\) at the start of line \d+ with spaces/),
      },
    ]);
  });

  it('one diagnostic per tab-indented line, nothing else', () => {
    const text = dev.replace('  namespace: redis-dev', '\tnamespace: redis-dev').replace('    shards: 3', '\t\tshards: 3');
    const found = problems(text, DEV);
    expect(found.map((d) => [d.line, d.message])).toEqual([
      [positionIn(text, '\tnamespace').line, TAB_MESSAGE],
      [positionIn(text, '\t\tshards').line, TAB_MESSAGE],
    ]);
  });

  it('a tab between a key and its value is fine (it is not indentation)', () => {
    expect(parseYamlSource(dev.replace('  tier: dev', '  tier:\tdev'), DEV).diagnostics).toEqual([]);
  });
});

describe('other syntax errors: the first one only', () => {
  it('an unclosed quote or bracket gives one diagnostic', () => {
    for (const broken of [VALID.replace('tier: dev', 'tier: "dev'), VALID.replace('tier: dev', 'tier: [dev'), VALID.replace('  tier: dev', '  tier dev')]) {
      const found = problems(broken);
      expect(found).toHaveLength(1);
      expect(found[0]!.message).toMatch(/^invalid YAML: /);
    }
  });

  it('duplicate keys do not derail the parser: each one is reported, by name', () => {
    const text = VALID.replace('  tier: dev', '  tier: dev\n  tier: production').replace('    shards: 3', '    shards: 3\n    "shards": 4');
    const found = problems(text).map((d) => ({ at: `${d.line}:${d.col}`, path: d.path, message: d.message }));
    const first = (marker: string) => positionIn(text, marker).line;
    const at = (marker: string) => `${positionIn(text, marker).line}:${positionIn(text, marker).col}`;
    expect(found).toEqual([
      { at: at('tier: production'), path: 'spec.tier', message: `duplicate key "tier" (also on line ${first('  tier: dev')})` },
      { at: at('"shards"'), path: 'spec.topology.shards', message: `duplicate key "shards" (also on line ${first('    shards: 3')})` },
    ]);
  });

  it('a duplicate key inside a list item has the list index in its path', () => {
    const text = dev.replace('      - namespace: apps-dev', '      - namespace: apps-dev\n        namespace: apps-other');
    const [d, ...rest] = problems(text, DEV);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ path: 'spec.network.allowedClients[0].namespace', message: `duplicate key "namespace" (also on line ${positionIn(text, '- namespace').line})` });
  });

  it('an alias to a missing anchor is a positioned diagnostic, not a crash', () => {
    const text = VALID.replace('tier: dev', 'tier: *level');
    expect(problems(text)).toEqual([{ file: FILE, ...positionIn(text, '*level'), path: '', message: 'invalid YAML: alias *level refers to no anchor &level before it', hint: expect.any(String) }]);
  });
});
