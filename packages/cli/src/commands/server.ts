/** `redis-gitops server status|stop`: the background server of io/server.ts. */
import { listServers, serverSetting, stopServers } from '../io/server.ts';
import type { Output } from '../output.ts';

export async function runServerCommand(action: 'status' | 'stop', out: Output): Promise<number> {
  try {
    return await serverCommand(action, out);
  } catch (err) {
    // The socket folder is not private (io/server.ts serverDir): say so, as bad setup.
    out.stderr(`redis-gitops server ${action}: ${(err as Error).message}\n`);
    return 2;
  }
}

async function serverCommand(action: 'status' | 'stop', out: Output): Promise<number> {
  if (action === 'stop') {
    const n = await stopServers();
    out.stdout(n ? `stopped ${n} server(s)\n` : 'no server was running\n');
    return 0;
  }
  const servers = await listServers();
  out.stdout(`server: ${serverSetting() === 'on' ? 'on' : 'off (REDIS_GITOPS_SERVER=off, or CI is set)'}\n`);
  if (servers.length === 0) out.stdout('no server is running; the next validate, render, diff or generate starts one\n');
  for (const s of servers) {
    out.stdout(
      `pid ${s.info.pid}: since ${s.info.since}, ${s.info.served} run(s) answered${s.info.busy ? ', running one now' : ''}, exits after ${s.info.idleSeconds} s idle; ${s.current ? 'serves this code and environment' : 'older code or environment: no longer asked, exits when idle'}\n`,
    );
  }
  return 0;
}
