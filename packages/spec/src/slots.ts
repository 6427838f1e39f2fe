/** Redis Cluster hash slots: parsing explicit layouts, checking coverage, and the even split. */

export const SLOT_COUNT = 16384;

export interface SlotRange {
  readonly start: number;
  readonly end: number;
}

/** Parses `"0-99,200-5000"` into ranges. Throws on a range that is reversed or out of bounds. */
export function parseSlotRanges(text: string): SlotRange[] {
  return text.split(',').map((part) => {
    const [a, b] = part.split('-');
    const start = Number(a);
    const end = b === undefined ? start : Number(b);
    if (!Number.isInteger(start) || !Number.isInteger(end)) throw new Error(`"${part}" is not a slot or slot range`);
    if (start > end) throw new Error(`range "${part}" is reversed: ${start} > ${end}`);
    if (end >= SLOT_COUNT) throw new Error(`range "${part}" goes past the last slot ${SLOT_COUNT - 1}`);
    return { start, end };
  });
}

/** The split `redis-cli --cluster create` makes: 3 masters -> 0-5460 / 5461-10922 / 10923-16383. */
export function evenSlotSplit(masters: number): SlotRange[] {
  const per = SLOT_COUNT / masters;
  const out: SlotRange[] = [];
  let first = 0;
  let cursor = 0;
  for (let i = 0; i < masters; i++) {
    let last = Math.round(cursor + per - 1);
    if (last > SLOT_COUNT - 1 || i === masters - 1) last = SLOT_COUNT - 1;
    out.push({ start: first, end: last });
    first = last + 1;
    cursor += per;
  }
  return out;
}

function describeRuns(slots: number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < slots.length; ) {
    let j = i;
    while (j + 1 < slots.length && slots[j + 1] === slots[j]! + 1) j++;
    runs.push(i === j ? `${slots[i]}` : `${slots[i]}-${slots[j]}`);
    i = j + 1;
  }
  return runs.length > 6 ? `${runs.slice(0, 6).join(', ')} and ${runs.length - 6} more` : runs.join(', ');
}

export interface SlotLayoutProblem {
  /** Index of the shard entry at fault, or undefined for the layout as a whole. */
  readonly shard?: number;
  readonly message: string;
}

/** Checks that per-shard entries cover every slot 0-16383 exactly once. */
export function checkSlotLayout(entries: readonly string[]): SlotLayoutProblem[] {
  const problems: SlotLayoutProblem[] = [];
  const owner = new Int32Array(SLOT_COUNT).fill(-1);
  const overlaps = new Map<string, number[]>();
  entries.forEach((entry, shard) => {
    let ranges: SlotRange[];
    try {
      ranges = parseSlotRanges(entry);
    } catch (e) {
      problems.push({ shard, message: (e as Error).message });
      return;
    }
    for (const r of ranges) {
      for (let s = r.start; s <= r.end; s++) {
        const prev = owner[s]!;
        if (prev >= 0) {
          const key = `${prev}|${shard}`;
          overlaps.set(key, [...(overlaps.get(key) ?? []), s]);
        } else owner[s] = shard;
      }
    }
  });
  for (const [key, slots] of overlaps) {
    const [a, b] = key.split('|').map(Number);
    problems.push({ shard: b, message: `overlaps shard ${a}: slot(s) ${describeRuns(slots)} are assigned twice` });
  }
  const missing: number[] = [];
  for (let s = 0; s < SLOT_COUNT; s++) if (owner[s] === -1) missing.push(s);
  if (missing.length && !problems.some((p) => p.message.startsWith('"'))) {
    problems.push({ message: `slot(s) ${describeRuns(missing)} are not assigned to any shard (${missing.length} of ${SLOT_COUNT} missing)` });
  }
  return problems;
}

/** `{start: 0, end: 5000}` -> `0-5000`. */
export function formatSlotRanges(ranges: readonly SlotRange[]): string {
  return ranges.map((r) => (r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`)).join(',');
}
