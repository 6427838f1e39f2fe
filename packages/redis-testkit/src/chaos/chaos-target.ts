/**
 * What a chart adapter (charts/<chart>/tests/chaos/) provides to the generic campaign: install the
 * chart's pods from its rendered manifests, write through a client, sample for split brain, inject
 * each fault with the chart's own scripts, Jobs and probes, and observe health.
 */
import type { WriteFn } from './chaos-writer.ts';
import type { OperationLog } from './operation-log.ts';
import type { History, Operation } from './operation.ts';

export interface HealthObservation {
  /** Full health by the chart's definition (clusterHealth in cluster-health.ts for Redis Cluster), every readiness probe passing. */
  readonly healthy: boolean;
  readonly problems: readonly string[];
  /** "pod: output" of each readiness probe that says `not ready: waiting safely: ...`. */
  readonly waitingSafely: readonly string[];
  /** Every Redis pod's readiness probe passes (the deployment claims to be healthy). */
  readonly allReady: boolean;
}

export interface KeyCheck {
  readonly missing: readonly string[];
  /** Keys that could not be read (an error, not a nil). */
  readonly unreadable: readonly string[];
}

export interface ChaosTarget {
  readonly chart: string;
  /** Replicas a WAIT-acknowledged write must reach (all replicas of the group). */
  readonly waitReplicas: number;
  /** Writes in flight per writer. */
  readonly maxInFlight: number;
  /** Renders the chart with the history's values, starts every pod, runs the install Jobs, waits for health. */
  install(log: OperationLog): Promise<void>;
  readonly write: WriteFn;
  /** One split-brain sample: a text per violation seen at this instant. */
  sample(): Promise<string[]>;
  /** Injects the fault; resolves with the time the fault ended (the last pod restarted / Job rerun started). */
  apply(op: Operation, log: OperationLog): Promise<number>;
  health(): Promise<HealthObservation>;
  checkKeys(expected: ReadonlyMap<string, string>): Promise<KeyCheck>;
  /** Every Redis pod's data dir (its volume). */
  dataDirs(): string[];
  /** Lines of every `data-loss.log` in a data dir. */
  dataLossLines(): string[];
  /** The offending state for a failure report: roles, CLUSTER NODES / SENTINEL answers, last pod log lines. */
  describe(): Promise<string>;
  cleanup(): Promise<void>;
}

export type ChaosTargetFactory = (history: History) => Promise<ChaosTarget>;
