/**
 * The README and `--help` say the same thing: the same exit codes, and every command in the
 * README's command table exists with the options the table shows.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/main.ts';

const README = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../README.md'), 'utf8');

async function help(...argv: string[]): Promise<string> {
  let text = '';
  await main(argv, { stdout: (t) => (text += t), stderr: (t) => (text += t), progress: () => {}, color: false });
  return text;
}

/** "0 ok, 1 violations ..." -> { 0: 'ok', 1: 'violations', ... } (the first word after each code). */
function exitCodes(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/\*{0,2}([0-3])\*{0,2} (an? )?([a-z]+)/g)].map((m) => [m[1]!, m[3]!]));
}

it('--help and the README list the same exit codes with the same meaning', async () => {
  const helpLine = (await help('--help')).split('\n').find((l) => l.startsWith('Exit codes:'))!;
  const readmePara = README.slice(README.indexOf('Exit codes:'), README.indexOf('\n\n', README.indexOf('Exit codes:')));
  const fromHelp = exitCodes(helpLine);
  expect(Object.keys(fromHelp)).toEqual(['0', '1', '2', '3']);
  expect(exitCodes(readmePara)).toEqual(fromHelp);
});

it("every command of the README's table exists, with the options the table names", async () => {
  const rows = [...README.matchAll(/^\| `([a-z-]+)( [^`]*)?` \|/gm)].map((m) => ({ command: m[1]!, args: m[2] ?? '' }));
  expect(rows.length).toBeGreaterThanOrEqual(7);
  for (const { command, args } of rows) {
    const text = await help(command, '--help');
    expect({ command, known: !/unknown command/.test(text) }).toEqual({ command, known: true });
    for (const opt of args.match(/--[a-z-]+/g) ?? []) expect({ command, opt, inHelp: text.includes(opt) }).toEqual({ command, opt, inHelp: true });
  }
});
