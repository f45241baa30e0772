import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import type { ChildServer } from './child';

/**
 * BENCH_PROFILE=1: a CPU profile of a server child taken only while the load runs (as
 * `node --cpu-prof` would, without the start-up and sign-in around it), then summarised by area,
 * so "where a page view's time goes" is a table anyone can make again.
 */

type ProfileMessage = { type: 'profile-start' } | { type: 'profile-stop'; file: string } | { type: 'profile-started' } | { type: 'profile-written' };

/** Sampling every 100 µs: a page view takes a few hundred, so each view gets a few samples. */
const SAMPLING_INTERVAL_US = 100;

/** For the child: starts and stops V8's sampling profiler when the parent asks. */
export function serveProfiler(): void {
  const session = new Session();
  session.connect();
  process.on('message', (message: ProfileMessage) => {
    if (message.type === 'profile-start') {
      session.post('Profiler.enable', () => {
        session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US }, () => {
          session.post('Profiler.start', () => process.send?.({ type: 'profile-started' }));
        });
      });
    }
    if (message.type === 'profile-stop') {
      session.post('Profiler.stop', (error, result) => {
        if (error === null) writeFileSync(message.file, JSON.stringify(result.profile));
        process.send?.({ type: 'profile-written' });
      });
    }
  });
}

function ask(child: ChildServer, message: ProfileMessage, answer: ProfileMessage['type']): Promise<void> {
  return new Promise((resolve) => {
    const listen = (reply: ProfileMessage): void => {
      if (reply.type !== answer) return;
      child.process.off('message', listen);
      resolve();
    };
    child.process.on('message', listen);
    child.process.send(message);
  });
}

/** Runs `work` with the child's profiler on, and writes the profile (`.cpuprofile`, as --cpu-prof does) to `file`. */
export async function profileWhile<T>(child: ChildServer, file: string, work: () => Promise<T>): Promise<T> {
  await ask(child, { type: 'profile-start' }, 'profile-started');
  const result = await work();
  await ask(child, { type: 'profile-stop', file }, 'profile-written');
  return result;
}

interface CallFrame {
  functionName: string;
  url: string;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface AreaTime {
  area: string;
  /** Microseconds in this area's own code (node's internals count for their JS caller). */
  selfUs: number;
  /** Microseconds with this area anywhere on the stack. */
  totalUs: number;
}

/** Node's own HTTP, socket and stream code: what any server pays to answer at all. */
const NODE_HTTP = /^node:(_http_|http$|net$|stream$|internal\/(streams|http|net|stream_base|js_stream))/;

/** Functions of the page route worth a line of their own. */
const PAGE_FUNCTIONS: Readonly<Record<string, string>> = {
  fingerprintOf: 'home page: fingerprint',
  outboxFingerprint: 'home page: fingerprint',
  renderedPage: 'home page: ETag of a new render',
  sendPage: 'home page: send a reused page',
};

/** Which area a frame belongs to; undefined for node internals that are counted for their caller. */
export function areaOf(frame: CallFrame): string | undefined {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName === '(garbage collector)') return 'garbage collection';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'V8 / native (program)';
    return undefined;
  }
  if (url.startsWith('node:')) return NODE_HTTP.test(url) ? 'node http/net/streams' : undefined;
  if (url.endsWith('/bench/cpu-profile.js')) return 'the profiler itself';
  if (url.endsWith('/bench/baseline-server.js')) return "bare Express's page handler";
  if (url.endsWith('/bench/baseline-sign-in-server.js')) return "bare Express's sign-in handlers";
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (modules !== null) {
    const name = modules[1] ?? '';
    if (['express', 'router', 'finalhandler', 'send', 'serve-static', 'parseurl', 'path-to-regexp', 'qs', 'type-is', 'accepts', 'negotiator', 'content-type', 'mime-types', 'mime-db', 'vary', 'etag', 'fresh', 'range-parser', 'encodeurl', 'escape-html', 'statuses', 'depd', 'debug', 'ms', 'proxy-addr', 'forwarded', 'ipaddr.js', 'merge-descriptors', 'utils-merge', 'http-errors', 'setprototypeof', 'inherits', 'content-disposition', 'safe-buffer', 'once', 'wrappy', 'is-promise', 'media-typer'].includes(name)) return 'express + router';
    if (['express-session', 'cookie', 'cookie-signature', 'uid-safe', 'random-bytes', 'on-headers', 'crc'].includes(name)) return 'express-session';
    if (name === 'helmet') return 'helmet';
    if (['compression', 'compressible', 'bytes'].includes(name)) return 'compression';
    if (name === 'ejs') return 'ejs render';
    return `package ${name}`;
  }
  const library = /\/packages\/lastfm-sign-in\/(?:dist\/(?:cjs|esm)|src)\/(.+)\.js$/.exec(url);
  if (library !== null) {
    const file = library[1] ?? '';
    // The built-in stand-in answers the authorize page, the allow and auth.getSession in a sign-in.
    if (file.startsWith('testing/')) return 'Last.fm stand-in (sandbox)';
    return `library ${file}`;
  }
  if (url.includes('/packages/lastfm-sign-in/')) return 'lastfm-sign-in library';
  const app = /\/(?:build\/)?src\/(.+)\.js$/.exec(url);
  if (app !== null) {
    const file = app[1] ?? '';
    if (file === 'routes/home-page') return PAGE_FUNCTIONS[functionName] ?? 'home page: route (reads to view)';
    if (file === 'routes/rendered-pages') return 'home page: kept pages';
    if (file.startsWith('middleware/')) return `app middleware: ${file.slice('middleware/'.length)}`;
    if (file.startsWith('stores/')) return 'session store (EncryptedStore, memory)';
    if (file.startsWith('outbox/')) return 'outbox view';
    if (file === 'lastfm/read-cache' || file.startsWith('shared-state/')) return 'read cache';
    if (file === 'services/account') return 'account service';
    return `app ${file}`;
  }
  return `other ${url}`;
}

/** Busy (not idle) self and total time by area, largest total first. */
export function timeByArea(profile: CpuProfile): AreaTime[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const stackAreas = new Map<number, { self: string; all: Set<string> }>();
  const areasAt = (id: number): { self: string; all: Set<string> } => {
    const known = stackAreas.get(id);
    if (known !== undefined) return known;
    const all = new Set<string>();
    let selfArea: string | undefined;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      const area = frame === undefined ? undefined : areaOf(frame);
      if (area === undefined) continue;
      selfArea ??= area;
      all.add(area);
    }
    const result = { self: selfArea ?? 'node internals (no JS caller)', all };
    stackAreas.set(id, result);
    return result;
  };
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const areas = areasAt(id);
    if (areas.self === 'idle') return;
    self.set(areas.self, (self.get(areas.self) ?? 0) + delta);
    for (const area of areas.all) total.set(area, (total.get(area) ?? 0) + delta);
  });
  const names = new Set([...self.keys(), ...total.keys()]);
  return [...names]
    .map((area) => ({ area, selfUs: self.get(area) ?? 0, totalUs: total.get(area) ?? 0 }))
    .sort((a, b) => b.totalUs - a.totalUs || b.selfUs - a.selfUs);
}
