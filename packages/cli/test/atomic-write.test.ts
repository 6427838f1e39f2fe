import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFilesAtomically } from '../src/io/atomic-write.ts';

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'atomic-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFilesAtomically', () => {
  it('writes, replaces and deletes files', () => {
    writeFileSync(path.join(dir, 'a'), 'old a');
    writeFileSync(path.join(dir, 'gone'), 'x');
    writeFilesAtomically([
      { file: path.join(dir, 'a'), content: 'new a' },
      { file: path.join(dir, 'sub/b'), content: 'b' },
      { file: path.join(dir, 'gone'), content: null },
    ]);
    expect(readFileSync(path.join(dir, 'a'), 'utf8')).toBe('new a');
    expect(readFileSync(path.join(dir, 'sub/b'), 'utf8')).toBe('b');
    expect(readdirSync(dir).sort()).toEqual(['a', 'sub']);
  });

  it('changes nothing when staging fails (a parent path is a file)', () => {
    writeFileSync(path.join(dir, 'a'), 'old a');
    writeFileSync(path.join(dir, 'blocker'), 'i am a file');
    expect(() =>
      writeFilesAtomically([
        { file: path.join(dir, 'a'), content: 'new a' },
        { file: path.join(dir, 'blocker/b'), content: 'b' },
      ]),
    ).toThrow();
    expect(readFileSync(path.join(dir, 'a'), 'utf8')).toBe('old a');
    expect(readdirSync(dir).sort()).toEqual(['a', 'blocker']);
  });

  it('restores replaced files when a later rename fails (target is a non-empty folder)', () => {
    writeFileSync(path.join(dir, 'a'), 'old a');
    mkdirSync(path.join(dir, 'b'));
    writeFileSync(path.join(dir, 'b', 'inside'), 'x');
    expect(() =>
      writeFilesAtomically([
        { file: path.join(dir, 'a'), content: 'new a' },
        { file: path.join(dir, 'c'), content: 'new c' },
        { file: path.join(dir, 'b'), content: 'new b' },
      ]),
    ).toThrow();
    expect(readFileSync(path.join(dir, 'a'), 'utf8')).toBe('old a');
    expect(readdirSync(dir).sort()).toEqual(['a', 'b']);
    expect(readFileSync(path.join(dir, 'b', 'inside'), 'utf8')).toBe('x');
  });
});
