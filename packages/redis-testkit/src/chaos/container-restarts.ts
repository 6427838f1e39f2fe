/**
 * kubelet's restartPolicy: Always. A container whose process exits (a start script that gives
 * up, a crash) is started again in the same pod (same IP, same volumes) with back-off 1, 2, 4 ...
 * up to 10 s. Pods the campaign has taken down on purpose are left alone.
 */
import type { Pod } from '../pod.ts';

export interface ContainerRestarts {
  /** The campaign takes the pod down (or gives it back to the restarter). */
  hold(pod: Pod): void;
  release(pod: Pod): void;
  readonly count: number;
  stop(): void;
}

export function startContainerRestarts(pods: () => readonly Pod[], restart: (pod: Pod) => Promise<void>, log: (line: string) => void): ContainerRestarts {
  const held = new Set<Pod>();
  const backoff = new Map<Pod, { next: number; delay: number }>();
  const busy = new Set<Pod>();
  let count = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    for (const pod of pods()) {
      if (held.has(pod) || busy.has(pod) || pod.running || pod.starts === 0) continue;
      const b = backoff.get(pod) ?? { next: 0, delay: 1000 };
      if (now < b.next) continue;
      busy.add(pod);
      count += 1;
      log(`kubelet: container of ${pod.name} exited (${pod.lastExit?.signal ?? `code ${pod.lastExit?.code}`}); restarting it in place (back-off ${b.delay} ms)`);
      backoff.set(pod, { next: now + b.delay, delay: Math.min(b.delay * 2, 10_000) });
      restart(pod)
        .catch((e: Error) => log(`kubelet: restart of ${pod.name} failed: ${e.message.split('\n')[0]}`))
        .finally(() => busy.delete(pod));
    }
  }, 500);
  return {
    hold: (pod) => {
      held.add(pod);
      backoff.delete(pod);
    },
    release: (pod) => {
      held.delete(pod);
    },
    get count() {
      return count;
    },
    stop: () => clearInterval(timer),
  };
}
