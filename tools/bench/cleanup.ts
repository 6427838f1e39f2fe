/**
 * What to undo when the bench ends or is stopped early (Ctrl-C, SIGTERM): the processes it started
 * (each killed by its PID) and its temporary folder. Steps register an undo and release it when done.
 */
type Task = () => void | Promise<void>;

const tasks = new Set<Task>();

/** Registers `task`; the returned function unregisters it (call it once the step cleaned up itself). */
export function atCleanup(task: Task): () => void {
  tasks.add(task);
  return () => void tasks.delete(task);
}

/** Runs every registered task, the latest first. */
export async function cleanUp(): Promise<void> {
  for (const task of [...tasks].reverse()) {
    tasks.delete(task);
    try {
      await task();
    } catch (error) {
      process.stderr.write(`bench: cleanup step failed: ${(error as Error).message}\n`);
    }
  }
}

export function cleanUpOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`bench: ${signal}, cleaning up\n`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
}
