/** The chaos checker, stats and temp-file check without Redis. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { findTempFiles, isTempFileName, judge, median, overlappingSlots, recoveryStats, recoveryTable, startChaosWriter, type HistoryEvidence } from '../src/index.ts';

const base: HistoryEvidence = {
  history: { chart: 'c', seed: 1, params: { persistence: true, nodeTimeoutMs: 3000, skew: 'uniform' }, operations: [] },
  outcome: 'healthy',
  problems: [],
  waitingSafely: [],
  splitBrain: [],
  waitAcked: 100,
  plainAcked: 100,
  waitLost: [],
  plainLost: [],
  unreadable: [],
  allReady: true,
  dataLossLines: [],
  tempFiles: [],
  errors: [],
};

describe('judge', () => {
  it('passes a clean healthy history', () => {
    expect(judge(base)).toEqual({ pass: true, outcome: 'healthy', reasons: [], notes: [] });
  });
  it('counts plain losses without failing', () => {
    const v = judge({ ...base, plainLost: ['p:1', 'p:2'] });
    expect(v.pass).toBe(true);
    expect(v.notes[0]).toMatch(/2\/100 plain/);
  });
  it('fails a lost WAIT-acked write, and says when it was healthy without a data-loss record', () => {
    const v = judge({ ...base, waitLost: ['w:1'] });
    expect(v.pass).toBe(false);
    expect(v.reasons.join('\n')).toMatch(/\(a\) 1\/100 WAIT-acknowledged writes lost .*no DATA LOSS recorded/);
    expect(v.reasons.join('\n')).toMatch(/\(c\) every readiness probe passes while acknowledged keys are missing/);
  });
  it('a recorded DATA LOSS is not "silent", but WAIT-acked loss within the fault model still fails', () => {
    const v = judge({ ...base, waitLost: ['w:1'], dataLossLines: ['rc-0: DATA LOSS: ...'] });
    expect(v.pass).toBe(false);
    expect(v.reasons.join('\n')).not.toMatch(/\(c\)/);
    expect(v.notes.join('\n')).toMatch(/DATA LOSS recorded/);
  });
  it('fails split brain, unhealthy, temp files and failed operations', () => {
    expect(judge({ ...base, splitBrain: [{ at: 1, text: 'a and b' }] }).reasons[0]).toMatch(/^\(b\) two writable masters in 1 sample/);
    expect(judge({ ...base, outcome: 'unhealthy', problems: ['x'] }).reasons[0]).toMatch(/^\(c\) not healthy/);
    expect(judge({ ...base, tempFiles: ['/d/nodes.conf.AbC123'] }).reasons[0]).toMatch(/^\(d\) temp files/);
    expect(judge({ ...base, errors: ['bootstrap failed'] }).reasons[0]).toMatch(/operation failed/);
    expect(judge({ ...base, unreadable: ['w:1'] }).reasons[0]).toMatch(/unreadable/);
  });
  it('waiting safely passes, with a note', () => {
    const v = judge({ ...base, outcome: 'waiting-safely', allReady: false, waitingSafely: ['rc-0: not ready: waiting safely: x'] });
    expect(v.pass).toBe(true);
    expect(v.outcome).toBe('waiting-safely');
    expect(v.notes[0]).toMatch(/waiting safely/);
  });
});

describe('overlapping slots', () => {
  it('finds overlaps, none for disjoint claims', () => {
    expect(overlappingSlots([[0, 5460]], [[5461, 10922]])).toEqual([]);
    expect(overlappingSlots([[0, 5460]], [[5000, 6000]])).toEqual(['5000-5460']);
    expect(overlappingSlots([[7, 7]], [[0, 100]])).toEqual(['7']);
  });
});

describe('recovery stats', () => {
  it('median and max per fault type; unrecovered faults counted but not timed', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1, 2, 3, 4])).toBe(3);
    expect(median([])).toBeUndefined();
    const s = recoveryStats([
      { kind: 'kill-new-ip', recoveryMs: 1000 },
      { kind: 'kill-new-ip', recoveryMs: 3000 },
      { kind: 'kill-new-ip', recoveryMs: undefined },
      { kind: 'late-dns', recoveryMs: 500 },
    ]);
    expect(s).toEqual([
      { kind: 'kill-new-ip', injected: 3, recovered: 2, medianMs: 2000, maxMs: 3000 },
      { kind: 'late-dns', injected: 1, recovered: 1, medianMs: 500, maxMs: 500 },
    ]);
    expect(recoveryTable(s)).toMatch(/kill-new-ip +3 +2 +2\.0 s +3\.0 s/);
  });
});

describe('temp files (check d)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chaos-temp-files-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('matches mktemp suffixes and .tmp, not Redis files', () => {
    for (const n of ['nodes.conf.Ab12Cd', 'peers.map.tmp', 'x.tmp.1']) expect(isTempFileName(n)).toBe(true);
    for (const n of ['nodes.conf', 'dump.rdb', 'appendonly.aof.1.base.rdb', 'appendonly.aof.1.incr.aof', 'appendonly.aof.manifest', 'temp-123.rdb', 'data-loss.log', 'peers.map'])
      expect(isTempFileName(n)).toBe(false);
  });
  it('walks data dirs recursively', () => {
    mkdirSync(path.join(dir, 'a', 'appendonlydir'), { recursive: true });
    writeFileSync(path.join(dir, 'a', 'nodes.conf'), '');
    writeFileSync(path.join(dir, 'a', 'appendonlydir', 'appendonly.aof.manifest'), '');
    writeFileSync(path.join(dir, 'a', 'appendonlydir', 'x.tmp'), '');
    expect(findTempFiles([path.join(dir, 'a'), path.join(dir, 'missing')])).toEqual([path.join(dir, 'a', 'appendonlydir', 'x.tmp')]);
  });
});

describe('chaos writer', () => {
  it('records acknowledged and failed writes, never queues a backlog', async () => {
    let n = 0;
    const w = startChaosWriter({
      write: async () => {
        n += 1;
        if (n % 2) throw new Error('down');
      },
      prefix: 'w',
      waitReplicas: 1,
      skew: 'uniform',
      ratePerSec: 200,
      maxInFlight: 2,
    });
    await new Promise((r) => setTimeout(r, 200));
    const r = await w.stop();
    expect(r.attempted).toBe(r.acknowledged.size + r.failed);
    expect(r.acknowledged.size).toBeGreaterThan(0);
    expect(r.failed).toBeGreaterThan(0);
    expect([...r.acknowledged.keys()].every((k) => /^w:\d+$/.test(k))).toBe(true);
  });
});
