import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from './process-tree.ts';

const LOCK_DIR = path.join(os.tmpdir(), 'redis-testkit-ip-blocks');

/** True when nothing listens on ip:port (we could bind it ourselves). */
export function isPortFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: ip, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A /24 of loopback addresses, 127.X.Y.2-254, owned by one sandbox. The block is picked at
 * random (X >= 16, so never 127.0.0.x) and locked with a file in the temp dir holding the
 * owner's PID, so parallel jest workers never share a block; a lock whose owner is dead is taken
 * over. Each address handed out is checked to be free on every port the pods use.
 */
export class IpBlock {
  readonly prefix: string;
  private readonly lockFile: string;
  private readonly ports: readonly number[];
  private nextHost = 2;

  private constructor(prefix: string, lockFile: string, ports: readonly number[]) {
    this.prefix = prefix;
    this.lockFile = lockFile;
    this.ports = ports;
  }

  static reserve(ports: readonly number[]): IpBlock {
    mkdirSync(LOCK_DIR, { recursive: true });
    for (let attempt = 0; attempt < 200; attempt++) {
      const x = 16 + Math.floor(Math.random() * 239);
      const y = Math.floor(Math.random() * 256);
      const prefix = `127.${x}.${y}`;
      const lockFile = path.join(LOCK_DIR, `${prefix}.lock`);
      try {
        writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
        return new IpBlock(prefix, lockFile, ports);
      } catch {
        // Taken: reuse it only when its owner is dead.
        try {
          const owner = Number(readFileSync(lockFile, 'utf8'));
          if (owner > 0 && owner !== process.pid && !isAlive(owner)) unlinkSync(lockFile);
        } catch {
          // Raced with another worker; try another block.
        }
      }
    }
    throw new Error(`redis-testkit: could not reserve a loopback /24 after 200 attempts (locks in ${LOCK_DIR})`);
  }

  /** The next never-used address of the block on which every pod port is free. */
  async next(): Promise<string> {
    while (this.nextHost <= 254) {
      const ip = `${this.prefix}.${this.nextHost++}`;
      const free = await Promise.all(this.ports.map((p) => isPortFree(ip, p)));
      if (free.every(Boolean)) return ip;
    }
    throw new Error(`redis-testkit: loopback block ${this.prefix}.0/24 is used up (253 addresses); use fewer pod restarts per sandbox`);
  }

  /** The lock file (the crash watchdog removes it too). */
  get lockPath(): string {
    return this.lockFile;
  }

  release(): void {
    try {
      unlinkSync(this.lockFile);
    } catch {
      // Already gone.
    }
  }
}
