/**
 * Samples a deployment every intervalMs (<= 100 ms) until stopped, for states that must never
 * occur at any instant (two writable masters for the same slots / master set). A sample that
 * takes longer than the interval delays the next one; the largest gap is reported.
 */
export interface Violation {
  readonly at: number;
  /** What was seen, e.g. "rc-0 and rc-3 both claim slots 0-5460 as myself,master". */
  readonly text: string;
}

export interface SamplerReport {
  readonly samples: number;
  readonly violations: readonly Violation[];
  readonly maxGapMs: number;
}

export interface Sampler {
  stop(): Promise<SamplerReport>;
  readonly violations: readonly Violation[];
}

/**
 * `sample` returns the violations seen in one sample (empty when none). A sample starts every
 * intervalMs whether or not the previous one has finished (at most 4 in flight), so one slow pod
 * does not stretch the gap between samples.
 */
export function startSampler(sample: () => Promise<readonly string[]>, intervalMs = 100, onViolation?: (v: Violation) => void): Sampler {
  const violations: Violation[] = [];
  const starts: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let samples = 0;
  let maxGapMs = 0;
  let lastStart = 0;
  const timer = setInterval(() => {
    if (inFlight.size >= 4) return;
    const t0 = Date.now();
    if (lastStart) maxGapMs = Math.max(maxGapMs, t0 - lastStart);
    lastStart = t0;
    const p = sample()
      .then(
        (found) => {
          samples += 1;
          starts.push(t0);
          for (const text of found) {
            const v = { at: t0, text };
            violations.push(v);
            onViolation?.(v);
          }
        },
        () => undefined, // a sampler error is not a verdict
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }, intervalMs);
  return {
    violations,
    async stop() {
      clearInterval(timer);
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      return { samples, violations: [...violations], maxGapMs };
    },
  };
}

/** Slot ranges [from, to] of two claims that overlap, as "a-b" text; empty when disjoint. */
export function overlappingSlots(a: ReadonlyArray<readonly [number, number]>, b: ReadonlyArray<readonly [number, number]>): string[] {
  const out: string[] = [];
  for (const [a0, a1] of a) {
    for (const [b0, b1] of b) {
      const lo = Math.max(a0, b0);
      const hi = Math.min(a1, b1);
      if (lo <= hi) out.push(lo === hi ? `${lo}` : `${lo}-${hi}`);
    }
  }
  return out;
}
