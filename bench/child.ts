import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface ChildServer {
  port: number;
  process: ChildProcess;
  /**
   * Asks the child for its resident set size, in bytes: after a full GC (when the child has
   * --expose-gc) unless `collect` is false, as when sampling a process at work.
   */
  rss(collect?: boolean): Promise<number>;
  /** Asks the child for its counters (what each server chooses to count). */
  stats(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

type Message = { type: 'ready'; port: number } | { type: 'rss'; rss: number } | { type: 'error'; message: string } | { type: 'stats'; stats: Record<string, number> };

/** Runs a server in its own process, so the load generator does not share its event loop. */
export async function startChild(script: string, args: string[], env: Record<string, string> = {}): Promise<ChildServer> {
  const child = fork(path.join(__dirname, script), args, { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: Message) => {
      if (message.type === 'ready') resolve(message.port);
      else reject(new Error(message.type === 'error' ? message.message : 'unexpected message'));
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${String(code)} before it was ready`)));
  });
  return {
    port,
    process: child,
    rss: (collect = true) =>
      new Promise<number>((resolve) => {
        child.once('message', (message: Message) => {
          if (message.type === 'rss') resolve(message.rss);
        });
        child.send({ type: 'rss', collect });
      }),
    stats: () =>
      new Promise<Record<string, number>>((resolve) => {
        child.once('message', (message: Message) => {
          if (message.type === 'stats') resolve(message.stats);
        });
        child.send({ type: 'stats' });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** For the child side: answers RSS and counter requests and reports readiness. */
export function serveParent(port: number, stats: () => Record<string, number> = () => ({})): void {
  process.on('message', (message: { type: string; collect?: boolean }) => {
    if (message.type === 'rss') {
      if (message.collect !== false) global.gc?.();
      process.send?.({ type: 'rss', rss: process.memoryUsage().rss });
    }
    if (message.type === 'stats') {
      const cpu = process.cpuUsage();
      process.send?.({ type: 'stats', stats: { ...stats(), cpuMicros: cpu.user + cpu.system, cpuUserMicros: cpu.user, cpuSystemMicros: cpu.system } });
    }
  });
  process.on('SIGTERM', () => process.exit(0));
  process.send?.({ type: 'ready', port });
}
