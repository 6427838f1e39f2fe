/**
 * The [monitoring-e2e] figure log every end-to-end file keeps: free text (`figure`) and the
 * structured figures the monitoring chart README records (`alert`, `panels`, `soak`).
 *
 * Every call prints one line at once; `summary(title)` prints them all again at the end of the file.
 * With MONITORING_FIGURES_JSONL=<file> set (tests/e2e/figures.ts sets it), each structured figure is
 * also appended to that file as one JSON line, so the README's figures are exactly what a run of the
 * tests measured.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';

/** Seconds from an incident to its alert firing, and from the repair to its resolution. */
export interface AlertFigure {
  readonly kind: 'alert';
  /** Which e2e file measured it (its base name). */
  readonly file: string;
  readonly alert: string;
  /** What was done to real processes, in a few words ("SIGKILL of a master's redis container"). */
  readonly incident: string;
  readonly firingS: number;
  /** What repaired it; absent with resolvedS when the test does not repair. */
  readonly repair?: string;
  readonly resolvedS?: number;
}

/** Dashboard panels run against the live Prometheus, and how many returned a series. */
export interface PanelsFigure {
  readonly kind: 'panels';
  readonly file: string;
  /** `redis-cluster` or `redis-sentinel` release; `state` says healthy or which incident. */
  readonly release: string;
  readonly state: string;
  readonly checked: number;
  readonly withData: number;
}

/** A no-false-alarm window: how long, under what load, and how many alerts fired (must be 0). */
export interface SoakFigure {
  readonly kind: 'soak';
  readonly file: string;
  readonly release: string;
  readonly seconds: number;
  readonly load: string;
  readonly alertsFired: number;
  /** The highest severity that fired, when one did (a rolling restart allows `info`). */
  readonly maxSeverity?: string;
}

export type Figure = AlertFigure | PanelsFigure | SoakFigure;
type Without<T> = Omit<T, 'kind' | 'file'>;

export interface FigureLog {
  figure(text: string): void;
  alert(f: Without<AlertFigure>): void;
  panels(f: Without<PanelsFigure>): void;
  soak(f: Without<SoakFigure>): void;
  summary(title: string): void;
}

export const FIGURES_ENV = 'MONITORING_FIGURES_JSONL';

/** `testFile` is the caller's import.meta.filename (only its base name is recorded). */
export function figureLog(testFile: string): FigureLog {
  const file = path.basename(testFile);
  const lines: string[] = [];
  const print = (text: string) => {
    lines.push(text);
    console.log(`[monitoring-e2e] ${text}`);
  };
  const record = (f: Figure, text: string) => {
    print(text);
    const out = process.env[FIGURES_ENV];
    if (out) appendFileSync(out, `${JSON.stringify(f)}\n`);
  };
  return {
    figure: print,
    alert: (f) =>
      record(
        { kind: 'alert', file, ...f },
        `${f.alert}: firing ${f.firingS.toFixed(1)}s after ${f.incident}${f.resolvedS === undefined ? '' : `; resolved ${f.resolvedS.toFixed(1)}s after ${f.repair ?? 'the repair'}`}`,
      ),
    panels: (f) => record({ kind: 'panels', file, ...f }, `panels with data (${f.release}, ${f.state}): ${f.withData} of ${f.checked}`),
    soak: (f) =>
      record({ kind: 'soak', file, ...f }, `${f.release}: ${f.seconds.toFixed(0)}s under ${f.load}: ${f.alertsFired} alert(s) fired${f.maxSeverity ? ` (highest severity ${f.maxSeverity})` : ''}`),
    summary: (title) => console.log(`[monitoring-e2e] ${title}:\n  ${lines.join('\n  ')}`),
  };
}
