import type { ChildServer } from './child';
import { runLoad, type LoadResult } from './load';

export interface LoadWithCpu extends LoadResult {
  /** Server CPU (user + system) per request, in microseconds. */
  cpuUsPerRequest: number;
  /** The same, user and system apart. */
  cpuUserUsPerRequest: number;
  cpuSystemUsPerRequest: number;
}

/** A load run with the CPU the server spent on it, per request, in microseconds (user + system). */
export async function loadWithCpu(server: ChildServer, cookie: string, connections: number, seconds: number, headers: Record<string, string>): Promise<LoadWithCpu> {
  const before = await server.stats();
  const load = await runLoad({ url: `http://127.0.0.1:${server.port}/`, connections, durationSeconds: seconds, headers: { cookie, ...headers } });
  const after = await server.stats();
  const perRequest = (counter: string) => ((after[counter] ?? 0) - (before[counter] ?? 0)) / load.requests;
  return { ...load, cpuUsPerRequest: perRequest('cpuMicros'), cpuUserUsPerRequest: perRequest('cpuUserMicros'), cpuSystemUsPerRequest: perRequest('cpuSystemMicros') };
}
