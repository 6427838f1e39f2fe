import { chmodSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Headless-service DNS: a name -> IP map file, rewritten atomically (write + rename) so a
 * resolver never reads half a file, and a resolver script `resolve.sh NAME` that prints the IP
 * or exits 1. Scripts get the resolver through RESOLVE_CMD.
 */
export class DnsMap {
  readonly file: string;
  /** Absolute path of resolve.sh; pass it as RESOLVE_CMD. */
  readonly resolver: string;
  private readonly entries = new Map<string, string>();
  private version = 0;

  constructor(dir: string) {
    this.file = path.join(dir, 'hosts');
    this.resolver = path.join(dir, 'resolve.sh');
    this.flush();
    writeFileSync(
      this.resolver,
      [
        '#!/bin/sh',
        '# resolve.sh NAME: prints the current IP of NAME from the sandbox DNS map; exits 1 when NAME is unknown.',
        '# Written by @redis-gitops/redis-testkit (the test stand-in for headless-service DNS).',
        '[ "$#" -eq 1 ] || { echo "usage: resolve.sh NAME" >&2; exit 2; }',
        `exec awk -v n="$1" '$1 == n { print $2; found = 1; exit } END { exit found ? 0 : 1 }' ${JSON.stringify(this.file)}`,
        '',
      ].join('\n'),
    );
    chmodSync(this.resolver, 0o755);
  }

  lookup(name: string): string | undefined {
    return this.entries.get(name);
  }

  /** Every name and its IP, sorted by name. */
  all(): Array<[string, string]> {
    return [...this.entries].sort((a, b) => a[0].localeCompare(b[0]));
  }

  set(names: readonly string[], ip: string): void {
    for (const n of names) {
      if (/\s/.test(n) || !n) throw new Error(`redis-testkit: invalid DNS name ${JSON.stringify(n)}`);
      this.entries.set(n, ip);
    }
    this.flush();
  }

  delete(names: readonly string[]): void {
    for (const n of names) this.entries.delete(n);
    this.flush();
  }

  private flush(): void {
    const body = this.all()
      .map(([n, ip]) => `${n} ${ip}\n`)
      .join('');
    const tmp = `${this.file}.tmp-${process.pid}-${this.version++}`;
    writeFileSync(tmp, body);
    renameSync(tmp, this.file);
  }
}
