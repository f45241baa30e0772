import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startChild, type ChildServer } from './child';
import type { LoadResult } from './load';
import { Browser, measureSignIns, signInOnce, type RoundTripResult } from './sign-in';
import { measureThrottle, type ThrottleResult } from './throttle';
import { measureStoreMemory } from './memory';
import { measureBrowse, measureBurst, measureFlood } from './many-instances';
import { measureImportParsing } from './import';
import { measureDrains } from './drain';
import { measureOutboxDrain } from './outbox';
import { measureLoad, measureWritePath, type LoadTestResult, type WritePathResult } from './writes';
import { profileHomeViews, profileTable } from './home-profile';
import { profileSignIns, signInProfileTable } from './sign-in-profile';
import { loadWithCpu, type LoadWithCpu } from './cpu-per-view';

/**
 * `npm run bench`: every number in bench/README.md comes from here. Servers run in child
 * processes; the load generator runs in this one. BENCH_SECONDS sets the length of each run.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? '5');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '5');
const CONNECTIONS = [1, 10, 100];
const PEOPLE_NOTE = '3 people (1,000 each, 60 calls)';
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? '60');
/** Pause between pages of each browsing client in the many-instances browse run. */
const THINK_MS = Number(process.env.BENCH_THINK_MS ?? '1000');
/**
 * BENCH_ACCEPT_ENCODING=gzip asks for compressed pages as a browser does (the app compresses, bare
 * Express does not); unset, as autocannon does by default, nothing is compressed.
 */
const ENCODING: Record<string, string> = process.env.BENCH_ACCEPT_ENCODING === undefined ? {} : { 'accept-encoding': process.env.BENCH_ACCEPT_ENCODING };
/**
 * BENCH_PROFILE=1: after the home runs, one more at 10 connections with the app's CPU profiler on
 * (bench/cpu-profile.ts); after the sign-in rounds, one more of each sign-in server with it on.
 */
const PROFILE = process.env.BENCH_PROFILE === '1';
/** Which parts to run, e.g. BENCH_ONLY=home,throttle; all when unset. */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'home,signin,writes,throttle,memory,load,burst,browse,flood,outbox,drain,import').split(','));

interface HomeRow {
  connections: number;
  baseline: LoadResult;
  app: LoadResult;
  /** Median of the per-round app/baseline ratios. */
  ratio: number;
  ratios: number[];
  /** Median server CPU (user + system, and each apart) per page view, in microseconds. */
  cpu: { appUsPerView: number; baselineUsPerView: number; appUserUs: number; appSystemUs: number; baselineUserUs: number; baselineSystemUs: number };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The median run by requests/s, so one noisy run does not decide the result. */
function medianRun<T extends LoadResult>(runs: T[]): T {
  const target = median(runs.map((r) => r.requestsPerSecond));
  return runs.find((r) => r.requestsPerSecond === target) ?? (runs[0] as T);
}

async function signedInCookie(port: number): Promise<{ cookie: string; pageBytes: number }> {
  const agent = new http.Agent({ keepAlive: true });
  const browser = new Browser(agent, `http://127.0.0.1:${port}`);
  await signInOnce(browser);
  const home = await browser.request('GET', '/');
  if (!home.text.includes('sandbox-ada')) throw new Error('signed-in home did not show the user');
  agent.destroy();
  return { cookie: browser.cookieHeader(), pageBytes: Buffer.byteLength(home.text) };
}

async function baselineCookie(port: number): Promise<string> {
  const agent = new http.Agent({ keepAlive: true });
  const browser = new Browser(agent, `http://127.0.0.1:${port}`);
  await browser.request('GET', '/login');
  agent.destroy();
  return browser.cookieHeader();
}

async function homeVersusBaseline(app: ChildServer): Promise<HomeRow[]> {
  const { cookie, pageBytes } = await signedInCookie(app.port);
  const baseline = await startChild('baseline-server.js', [String(pageBytes)]);
  const baseCookie = await baselineCookie(baseline.port);
  const rows: HomeRow[] = [];
  try {
    for (const connections of CONNECTIONS) {
      const baseRuns: LoadWithCpu[] = [];
      const appRuns: LoadWithCpu[] = [];
      // Alternating runs cancel slow drift of the machine (thermal, other load).
      for (let round = 0; round < ROUNDS; round += 1) {
        baseRuns.push(await loadWithCpu(baseline, baseCookie, connections, SECONDS, ENCODING));
        appRuns.push(await loadWithCpu(app, cookie, connections, SECONDS, ENCODING));
      }
      const base = medianRun(baseRuns);
      const mine = medianRun(appRuns);
      // Each app run is compared with the baseline run just before it, so drift between rounds
      // cancels out; the median of those ratios is the result.
      const ratios = appRuns.map((run, i) => run.requestsPerSecond / (baseRuns[i]?.requestsPerSecond ?? Number.NaN));
      const ratio = median(ratios);
      const cpu = {
        appUsPerView: median(appRuns.map((run) => run.cpuUsPerRequest)),
        baselineUsPerView: median(baseRuns.map((run) => run.cpuUsPerRequest)),
        appUserUs: median(appRuns.map((run) => run.cpuUserUsPerRequest)),
        appSystemUs: median(appRuns.map((run) => run.cpuSystemUsPerRequest)),
        baselineUserUs: median(baseRuns.map((run) => run.cpuUserUsPerRequest)),
        baselineSystemUs: median(baseRuns.map((run) => run.cpuSystemUsPerRequest)),
      };
      rows.push({ connections, baseline: base, app: mine, ratio, ratios, cpu });
      console.log(`home @${connections}: app ${mine.requestsPerSecond.toFixed(0)} req/s vs baseline ${base.requestsPerSecond.toFixed(0)}; paired ratios ${ratios.map((r) => r.toFixed(2)).join(', ')} (median ${ratio.toFixed(2)}x); server CPU per view ${cpu.appUsPerView.toFixed(0)} µs (user ${cpu.appUserUs.toFixed(0)}, system ${cpu.appSystemUs.toFixed(0)}) vs ${cpu.baselineUsPerView.toFixed(0)} µs (user ${cpu.baselineUserUs.toFixed(0)}, system ${cpu.baselineSystemUs.toFixed(0)})`);
    }
  } finally {
    await baseline.stop();
  }
  return rows;
}

interface SignInsWithCpu extends RoundTripResult {
  serverMsPerSignIn: number;
  loadGeneratorMsPerSignIn: number;
  /** Sign-ins per second that this machine's cores could carry at these CPU costs, used perfectly. */
  ceilingOnThisMachine: number;
}

/**
 * Sign-ins with the CPU time each one costs, in the server and in this load generator: two cores
 * give at most 2,000 ms of CPU per second, which says what limits the rate.
 */
async function measureSignInsWithCpu(server: ChildServer): Promise<SignInsWithCpu> {
  const serverBefore = (await server.stats()).cpuMicros ?? 0;
  const ownBefore = process.cpuUsage();
  const result = await measureSignIns(`http://127.0.0.1:${server.port}`, 16, SECONDS * 2);
  const own = process.cpuUsage(ownBefore);
  const serverMicros = ((await server.stats()).cpuMicros ?? 0) - serverBefore;
  const serverMsPerSignIn = serverMicros / 1000 / result.completed;
  const loadGeneratorMsPerSignIn = (own.user + own.system) / 1000 / result.completed;
  const ceilingOnThisMachine = (os.cpus().length * 1000) / (serverMsPerSignIn + loadGeneratorMsPerSignIn);
  console.log(`sign-in: ${result.signInsPerSecond.toFixed(0)}/s; ${cpuNote({ serverMsPerSignIn, loadGeneratorMsPerSignIn, ceilingOnThisMachine })}`);
  return { ...result, serverMsPerSignIn, loadGeneratorMsPerSignIn, ceilingOnThisMachine };
}

/** The median run by sign-ins/s. */
function medianSignIns(runs: SignInsWithCpu[]): SignInsWithCpu {
  const target = median(runs.map((r) => r.signInsPerSecond));
  return runs.find((r) => r.signInsPerSecond === target) ?? (runs[0] as SignInsWithCpu);
}

function cpuNote(cpu: Pick<SignInsWithCpu, 'serverMsPerSignIn' | 'loadGeneratorMsPerSignIn' | 'ceilingOnThisMachine'>): string {
  return `CPU per sign-in ${cpu.serverMsPerSignIn.toFixed(2)} ms server + ${cpu.loadGeneratorMsPerSignIn.toFixed(2)} ms load generator, so at most ${cpu.ceilingOnThisMachine.toFixed(0)}/s on ${os.cpus().length} cores`;
}

async function main(): Promise<void> {
  const started = new Date();
  const results: Record<string, unknown> = {
    startedAt: started.toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryBytes: os.totalmem(), node: process.version },
    settings: { secondsPerRun: SECONDS, rounds: ROUNDS, loadSeconds: LOAD_SECONDS, thinkMs: THINK_MS },
  };
  const lines: string[] = [];

  if (ONLY.has('home')) {
    const app = await startChild('app-server.js', []);
    try {
      const home = await homeVersusBaseline(app);
      results.signedInHome = home;
      for (const row of home) {
        lines.push(`| baseline page | ${row.connections} conn | ${row.baseline.requestsPerSecond.toFixed(0)} req/s | ${row.baseline.p50Ms} | ${row.baseline.p99Ms} | 1.00x | |`);
        lines.push(`| signed-in home | ${row.connections} conn | ${row.app.requestsPerSecond.toFixed(0)} req/s | ${row.app.p50Ms} | ${row.app.p99Ms} | ${row.ratio.toFixed(2)}x | >= 0.85x ${verdict(row.ratio >= 0.85)} |`);
      }
      if (PROFILE) {
        const { cookie, pageBytes } = await signedInCookie(app.port);
        const profile = await profileHomeViews('app', app, cookie, 10, SECONDS * 2, ENCODING);
        const baseline = await startChild('baseline-server.js', [String(pageBytes)]);
        try {
          const bare = await profileHomeViews('baseline', baseline, await baselineCookie(baseline.port), 10, SECONDS * 2, ENCODING);
          results.signedInHomeProfile = { app: profile, baseline: bare };
          console.log(`\nwhere a signed-in home view's CPU goes:\n${profileTable(profile).join('\n')}\n\n${profileTable(bare).join('\n')}\n`);
        } finally {
          await baseline.stop();
        }
      }
    } finally {
      await app.stop();
    }
  }

  if (ONLY.has('signin')) {
    // With the default budget each sign-in's auth.getSession waits its turn, and signed-out callers
    // together hold at most signedOutShare(5) = 2 of the 5 slots a second: 2 sign-ins/s by design.
    // Each browser has an address of its own (BENCH_OWN_ADDRESSES), so the per-address limits
    // (4 calls waiting per caller; SIGN_IN_* lifted in app-server.ts) meet 16 people, not one.
    const app = await startChild('app-server.js', [], { BENCH_OWN_ADDRESSES: '1' });
    try {
      const throttled: RoundTripResult = await measureSignIns(`http://127.0.0.1:${app.port}`, 16, SECONDS * 2, true);
      results.signInRoundTripThrottled = throttled;
      lines.push(`| sign-in round trip, default 5 calls/s | 16 browsers, 16 addresses | ${throttled.signInsPerSecond.toFixed(1)} sign-ins/s | ${throttled.p50Ms.toFixed(1)} | ${throttled.p99Ms.toFixed(1)} | ${throttled.completed} signed in, ${throttled.failed} failed; the budget's signed-out share (2 of 5 calls a second) limits it, by design | |`);
    } finally {
      await app.stop();
    }
  }

  if (ONLY.has('signin')) {
    // Both servers up at once and measured in turn, ROUNDS times: each app run is divided by the
    // bare Express run just before it, and the median of those ratios is the result, as for the home.
    const bare = await startChild('baseline-sign-in-server.js', []);
    const app = await startChild('app-server.js', [], { BENCH_UNTHROTTLED: '1' });
    try {
      const bareRuns: SignInsWithCpu[] = [];
      const appRuns: SignInsWithCpu[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        bareRuns.push(await measureSignInsWithCpu(bare));
        appRuns.push(await measureSignInsWithCpu(app));
      }
      const ratios = appRuns.map((run, i) => run.signInsPerSecond / (bareRuns[i]?.signInsPerSecond ?? Number.NaN));
      const ratio = median(ratios);
      const result = medianSignIns(bareRuns);
      const signIn = medianSignIns(appRuns);
      results.signInRoundTripBareExpress = result;
      results.signInRoundTrip = { ...signIn, ratio, ratios };
      console.log(`sign-in: paired ratios ${ratios.map((r) => r.toFixed(2)).join(', ')} (median ${ratio.toFixed(2)}x)`);
      lines.push(
        `| sign-in round trip, bare Express doing the same 5 exchanges | 16 browsers | ${result.signInsPerSecond.toFixed(0)} sign-ins/s | ${result.p50Ms.toFixed(1)} | ${result.p99Ms.toFixed(1)} | ${result.failed} failed; ${cpuNote(result)} | |`,
      );
      if (PROFILE) {
        const appProfile = await profileSignIns('app', app, 16, SECONDS * 2);
        const bareProfile = await profileSignIns('baseline', bare, 16, SECONDS * 2);
        results.signInProfile = { app: appProfile, baseline: bareProfile };
        console.log(`\nwhere a sign-in's CPU goes:\n${signInProfileTable(appProfile).join('\n')}\n\n${signInProfileTable(bareProfile).join('\n')}\n`);
      }
      lines.push(
        `| sign-in round trip, throttle lifted | 16 browsers | ${signIn.signInsPerSecond.toFixed(0)} sign-ins/s | ${signIn.p50Ms.toFixed(1)} | ${signIn.p99Ms.toFixed(1)} | ${signIn.failed} failed; ${cpuNote(signIn)}; ${ratio.toFixed(2)}x bare Express (paired ratios ${ratios.map((r) => r.toFixed(2)).join(', ')}) | >= 0.8x bare Express ${verdict(ratio >= 0.8)} |`,
      );
    } finally {
      await bare.stop();
      await app.stop();
    }
  }

  if (ONLY.has('writes')) {
    const writes: WritePathResult = await measureWritePath(10_000, 10);
    results.writePath = writes;
    lines.push(`| POST /track/love (CSRF) | 10 conn | ${writes.requestsPerSecond.toFixed(0)} req/s | ${writes.p50Ms} | ${writes.p99Ms} | ${writes.upstreamConnections} upstream TCP connections for ${writes.calls} calls | errors ${writes.errors + writes.non2xx} |`);
  }

  if (ONLY.has('throttle')) {
    const throttle: ThrottleResult = await measureThrottle(70, 5);
    results.throttle = throttle;
    lines.push(`| throttle: burst of ${throttle.writes} writes at 5/s | strict stand-in | ${throttle.elapsedSeconds.toFixed(1)} s (limit predicts ${throttle.predictedSeconds} s) | | | ${throttle.errors29} errors 29, ${throttle.refusedBusy} past the 15 s deadline, ${throttle.otherErrors} other | ${verdict(throttle.errors29 === 0 && throttle.refusedBusy === 0 && throttle.otherErrors === 0)} |`);
  }

  if (ONLY.has('memory')) {
    const memory = await measureStoreMemory(100_000);
    results.memory = memory;
    for (const row of memory) {
      lines.push(`| memory: ${row.sessions} sessions | ${row.store} | app RSS +${(row.appRssBytes / 1048576).toFixed(1)} MiB (${row.appBytesPerSession.toFixed(0)} B/session; heap ${row.appHeapBytesPerSession.toFixed(0)} B/session) | | | store holds ${(row.storageBytes / 1048576).toFixed(1)} MiB (${row.storageBytesPerSession.toFixed(0)} B/session); written in ${row.writeSeconds.toFixed(1)} s | |`);
    }
  }

  if (ONLY.has('load')) {
    const load: LoadTestResult = await measureLoad(200, LOAD_SECONDS);
    results.load = load;
    lines.push(`| load: 200 signed-in clients | ${load.seconds} s | ${load.pageViews} views, ${load.writesSucceeded} writes | | | ${load.errors} errors, ${load.lostWrites} lost writes | ${verdict(load.errors === 0 && load.lostWrites === 0)} |`);
  }

  if (ONLY.has('burst')) {
    const burst = await measureBurst(300, 20, 30);
    results.manyInstancesBurst = burst;
    const ok = burst.statuses['303'] ?? 0;
    const within = Math.abs(burst.elapsedSeconds - burst.predictedSeconds) <= burst.predictedSeconds * 0.1;
    lines.push(
      `| 3 instances: burst of ${burst.writes} loves | ${burst.sessions} sessions, ${burst.concurrency} open, strict stand-in | ${burst.elapsedSeconds.toFixed(1)} s (the rate predicts ${burst.predictedSeconds} s) | | | **${burst.errors29} errors 29**, ${ok} loved, ${burst.lovesAtStandIn} at the stand-in, busiest second ${burst.busiestSecond} | ${verdict(burst.errors29 === 0 && ok === burst.writes && within)} |`,
    );
    console.log(`burst: ${JSON.stringify(burst)}`);
  }

  if (ONLY.has('browse')) {
    const browse = await measureBrowse(200, LOAD_SECONDS, THINK_MS);
    results.manyInstancesBrowse = browse;
    const stale = (100 * browse.stalePages) / browse.pageViews;
    const missing = (100 * browse.pagesWithMissingPart) / browse.pageViews;
    lines.push(
      `| 3 instances: love every second while ${browse.clients} browse | ${browse.seconds} s, ${browse.thinkMs} ms between pages | ${browse.loves.count} loves (${JSON.stringify(browse.loveStatuses)}) | ${browse.loves.p50Ms} | ${browse.loves.p99Ms} | ${browse.pageViews} page views (p50 ${browse.pages.p50Ms} ms, p99 ${browse.pages.p99Ms} ms), **${browse.readCallsPerPageView.toFixed(3)} Last.fm reads per view**, ${stale.toFixed(1)}% from the last good copy, ${missing.toFixed(1)}% with a part missing, ${browse.errors29} errors 29 | love p99 < 1,500 ms ${verdict(browse.loves.p99Ms < 1500)} |`,
    );
    console.log(`browse: ${JSON.stringify(browse)}`);
  }

  if (ONLY.has('flood')) {
    const flood = await measureFlood(1_000, 100, 1000, 10);
    results.manyInstancesFlood = flood;
    lines.push(
      `| 3 instances: victim's love every second under a flood | ${flood.floodRequests} signed-out token requests, ${flood.concurrency} open | ${flood.loves.count} loves (${JSON.stringify(flood.loveStatuses)}) | ${flood.loves.p50Ms} | ${flood.loves.p99Ms} | flood took ${flood.floodSeconds.toFixed(1)} s: ${flood.floodStatuses['429'] ?? 0} got 429 (${JSON.stringify(flood.floodStatuses)}), ${flood.errors29} errors 29 | love p99 < 1,500 ms ${verdict(flood.loves.p99Ms < 1500)} |`,
    );
    console.log(`flood: ${JSON.stringify(flood)}`);
  }

  if (ONLY.has('outbox')) {
    const drain = await measureOutboxDrain(100, 100);
    results.outboxDrain = drain;
    const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
    const exactlyOnce = drain.scrobblesAtStandIn === drain.scrobbles && drain.distinctAtStandIn === drain.scrobbles && drain.outboxStates.accepted === drain.scrobbles;
    const within = Math.abs(drain.firstToLastSeconds - drain.predictedSeconds) <= drain.predictedSeconds * 0.1;
    lines.push(
      `| outbox: ${drain.scrobbles.toLocaleString('en')} queued scrobbles, ${drain.people} people | sqlite, default budget, strict stand-in | drained in ${drain.drainSeconds.toFixed(1)} s from the app's start, ${drain.firstToLastSeconds.toFixed(1)} s from its first call (the rate predicts ${drain.predictedSeconds.toFixed(1)} s: ${drain.callsNeeded} calls, ${drain.backgroundSlots} background slots a second) | | | ${drain.scrobbleCalls} calls, ${drain.scrobblesAtStandIn} scrobbles at the stand-in (${drain.distinctAtStandIn} distinct), **${drain.errors29} errors 29**; file +${((drain.fileBytesQueued - drain.fileBytesBefore) / drain.scrobbles).toFixed(0)} B/scrobble with -wal, +${((drain.fileBytesCheckpointed - drain.fileBytesBefore) / drain.scrobbles).toFixed(0)} B checkpointed; app RSS ${mib(drain.rssIdleBytes)} MiB idle, ${mib(drain.rssMedianBytes)} MiB median and ${mib(drain.rssPeakBytes)} MiB peak while draining | each once, within 10% of the rate ${verdict(exactlyOnce && drain.errors29 === 0 && within)} |`,
    );
    console.log(`outbox: ${JSON.stringify(drain)}`);
  }

  if (ONLY.has('drain')) {
    const drains = await measureDrains();
    results.drainWithLoves = drains;
    for (const drain of drains) {
      const loved = drain.loves.statuses['303'] ?? 0;
      const met = drain.errors29 === 0 && drain.utilisation >= 0.9 && drain.loves.p99Ms < 1000 && loved === drain.loves.count && drain.distinctAtStandIn === drain.scrobbles;
      lines.push(
        `| drain: ${drain.scrobbles.toLocaleString('en')} scrobbles of ${PEOPLE_NOTE} while a 4th loves every 0.5 s | ${drain.instances} instance${drain.instances === 1 ? '' : 's'}, redis, answers ${drain.answerDelayMs === 0 ? 'at once' : `after ${drain.answerDelayMs} ms`}, slots from the ${drain.slotsFrom} | ${drain.drainSeconds.toFixed(1)} s, **utilisation ${drain.utilisation.toFixed(2)}** (${drain.callsAtStandIn} calls / 5 × ${drain.drainSeconds.toFixed(1)} s); scrobble calls alone ${drain.scrobbleShare.toFixed(2)} of the rate | ${drain.loves.p50Ms} | ${drain.loves.p99Ms} | ${drain.scrobbleCalls} scrobble calls, ${drain.distinctAtStandIn} distinct scrobbles; **${drain.errors29} errors 29**, busiest second ${drain.busiestSecond}, tightest six arrivals ${drain.tightestSpanMs} ms over a second, stand-in's loop late by up to ${drain.standInStallMs} ms; ${drain.loves.count} loves ${JSON.stringify(drain.loves.statuses)}, max ${drain.loves.maxMs} ms | >= 0.9, love p99 < 1 s, 0 errors 29 ${verdict(met)} |`,
      );
    }
  }

  if (ONLY.has('import')) {
    const parses = await measureImportParsing();
    results.importParsing = parses;
    for (const run of parses) {
      const grew = run.peakRssMb - run.startRssMb;
      lines.push(
        `| import: read and summarise a ${(run.fileBytes / 1048576).toFixed(1)} MiB ${run.format} file | streamed in 64 KiB chunks, own process | ${run.read.toLocaleString('en')} entries, ${run.kept.toLocaleString('en')} kept, in ${(run.ms / 1000).toFixed(2)} s | | | peak RSS ${run.peakRssMb} MiB (${run.startRssMb} MiB before the file) | memory flat: grows < 64 MiB ${verdict(grew < 64)} |`,
      );
      console.log(`import: ${JSON.stringify(run)}`);
    }
  }

  console.log('\n| measure | setting | result | p50 ms | p99 ms | notes | target |');
  console.log('|---|---|---|---|---|---|---|');
  for (const line of lines) console.log(line);
  const dir = path.join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'latest.json');
  // A BENCH_ONLY run replaces only the parts it measured; measuredAt says when each part was last run.
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const measured = Object.keys(results).filter((key) => !['startedAt', 'machine', 'settings'].includes(key));
  const measuredAt = { ...(previous.measuredAt as Record<string, string> | undefined), ...Object.fromEntries(measured.map((key) => [key, started.toISOString()])) };
  writeFileSync(file, `${JSON.stringify({ ...previous, ...results, measuredAt }, null, 2)}\n`);
  console.log('\nwritten to bench/results/latest.json');
}

function verdict(met: boolean): string {
  return met ? 'met' : 'MISSED';
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
