/** A command line the CLI cannot run (exit 2). Its own module, so main.ts knows it without loading a command. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
