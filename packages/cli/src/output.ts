/** Where the CLI writes. Commands take an Output so tests can capture it. */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Progress lines; shown only on an interactive terminal (stderr is a TTY). */
  progress(text: string): void;
  /** Whether to use colour in human output. */
  readonly color: boolean;
}

export function processOutput(): Output {
  const tty = Boolean(process.stderr.isTTY);
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    progress: (t) => {
      if (tty) process.stderr.write(`${t}\n`);
    },
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  };
}
