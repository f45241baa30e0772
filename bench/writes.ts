import http from 'node:http';
import { startChild } from './child';
import { runLoad, type LoadResult } from './load';
import { Browser, signInOnce } from './sign-in';

export interface WritePathResult extends LoadResult {
  calls: number;
  upstreamConnections: number;
  lovesRecorded: number;
}

async function signedInBrowser(port: number): Promise<{ browser: Browser; csrf: string; agent: http.Agent }> {
  const agent = new http.Agent({ keepAlive: true });
  const browser = new Browser(agent, `http://127.0.0.1:${port}`);
  await signInOnce(browser);
  const home = await browser.request('GET', '/');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(home.text)?.[1];
  if (csrf === undefined) throw new Error('no CSRF token on the signed-in home');
  return { browser, csrf, agent };
}

/**
 * `calls` POST /track/love requests with a valid CSRF token through the app to its stand-in, and
 * how many TCP connections the app opened upstream for them (keep-alive should make it tiny).
 */
export async function measureWritePath(calls = 10_000, connections = 10): Promise<WritePathResult> {
  const app = await startChild('app-server.js', [], { BENCH_UNTHROTTLED: '1' });
  try {
    const { browser, csrf, agent } = await signedInBrowser(app.port);
    const before = await app.stats();
    const result = await runLoad({
      url: `http://127.0.0.1:${app.port}/track/love`,
      connections,
      durationSeconds: 0,
      amount: calls,
      method: 'POST',
      headers: { cookie: browser.cookieHeader(), accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, artist: 'Sigur Rós', track: 'Hoppípolla' }).toString(),
    });
    const after = await app.stats();
    agent.destroy();
    return { ...result, calls, upstreamConnections: (after.upstreamConnections ?? 0) - (before.upstreamConnections ?? 0), lovesRecorded: after.loves ?? 0 };
  } finally {
    await app.stop();
  }
}

export interface LoadTestResult {
  clients: number;
  seconds: number;
  pageViews: number;
  writesAnswered: number;
  writesSucceeded: number;
  errors: number;
  lovesRecorded: number;
  lostWrites: number;
}

/**
 * `clients` signed-in people at once for `seconds`: three page views, then a love of a track
 * no one has loved before, again and again. Zero errors, and the stand-in must hold exactly as
 * many loves as got a success answer.
 */
export async function measureLoad(clients = 200, seconds = 60): Promise<LoadTestResult> {
  const app = await startChild('app-server.js', [], { BENCH_UNTHROTTLED: '1' });
  try {
    const people = [];
    for (let i = 0; i < clients; i += 1) people.push(await signedInBrowser(app.port));
    let pageViews = 0;
    let writesAnswered = 0;
    let writesSucceeded = 0;
    let errors = 0;
    let next = 0;
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(
      people.map(async ({ browser, csrf }) => {
        while (performance.now() < deadline) {
          for (let view = 0; view < 3; view += 1) {
            const page = await browser.request('GET', '/').catch(() => undefined);
            if (page?.status === 200) pageViews += 1;
            else errors += 1;
          }
          next += 1;
          const body = new URLSearchParams({ _csrf: csrf, artist: 'Load Test', track: `Track ${next}` }).toString();
          const love = await browser.request('POST', '/track/love', body, { accept: 'application/json' }).catch(() => undefined);
          if (love !== undefined) writesAnswered += 1;
          if (love?.status === 200) writesSucceeded += 1;
          else errors += 1;
        }
      }),
    );
    const stats = await app.stats();
    for (const person of people) person.agent.destroy();
    const lovesRecorded = stats.loves ?? 0;
    return { clients, seconds, pageViews, writesAnswered, writesSucceeded, errors, lovesRecorded, lostWrites: writesSucceeded - lovesRecorded };
  } finally {
    await app.stop();
  }
}
