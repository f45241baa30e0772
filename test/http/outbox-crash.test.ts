import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_ACCOUNTS } from 'lastfm-sign-in/testing';
import { TEST_SESSION_SECRET } from '../helpers/app';
import { ServerProcess } from '../helpers/server-process';
import { StandIn, passwordSignIn, until } from '../helpers/stand-in';

/*
 * The real server, on SQLite, killed with SIGKILL while Last.fm is down and scrobbles wait: the
 * restarted server on the same data delivers every one of them, once, with its own time.
 */
jest.setTimeout(90_000);

const ADA = DEMO_ACCOUNTS[0]?.name ?? '';
let standIn: StandIn;
let dataDir: string;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  standIn = await new StandIn().start();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'outbox-crash-'));
});

afterAll(async () => {
  for (const server of servers) {
    server.kill();
    await server.exit(10_000);
  }
  await standIn.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function start(port?: string): Promise<ServerProcess> {
  return ServerProcess.start({ NODE_ENV: 'test', SESSION_SECRET: TEST_SESSION_SECRET, DATA_DIR: dataDir, LASTFM_TIMEOUT_MS: '1000', OUTBOX_RETRY_MAX_MS: '1000', ...standIn.env, ...(port === undefined ? {} : { PORT: port }) }, dataDir).then((server) => {
    servers.push(server);
    return server;
  });
}

it('loses nothing acknowledged as queued when killed with SIGKILL, and delivers each exactly once after the restart', async () => {
  const first = await start();
  const { agent, csrf } = await passwordSignIn(first.baseUrl);
  standIn.state.outage = true;
  const now = Math.floor(Date.now() / 1000);
  const times = Array.from({ length: 20 }, (_, i) => now - 3600 + i * 60);
  for (const [i, timestamp] of times.entries()) {
    const res = await agent.post('/track/scrobble').set('Accept', 'application/json').send({ _csrf: csrf, artist: 'Björk', track: `Kept ${i}`, timestamp: String(timestamp) }).expect(202);
    expect(res.body).toMatchObject({ ok: true, state: 'queued', message: 'Saved: Last.fm is not answering just now, so 1 scrobble waits here and will be sent when it answers.' });
  }
  // A person using the form sees the same, on the page the form leads back to.
  await agent.post('/track/scrobble').type('form').send({ _csrf: csrf, artist: 'Björk', track: 'Kept form' }).expect(303);
  expect((await agent.get('/').expect(200)).text).toContain('Saved: Last.fm is not answering just now, so 1 scrobble waits here and will be sent when it answers.');
  expect(standIn.state.library.of(ADA).scrobbles).toHaveLength(0);

  first.kill();
  await first.exit(10_000);
  standIn.state.outage = false;
  const port = new URL(first.baseUrl).port;
  await start(port);

  const kept = () => standIn.state.library.of(ADA).scrobbles.filter((s) => s.track.startsWith('Kept '));
  await until(() => kept().length >= 21, 60_000);
  // The same session cookie works on the restarted server (sessions are in the same file); nothing is left to send.
  await until(async () => ((await agent.get('/track/scrobbles').set('Accept', 'application/json').expect(200)).body as { waiting: number }).waiting === 0);
  const delivered = kept();
  expect(delivered).toHaveLength(21);
  for (const [i, timestamp] of times.entries()) expect(delivered.filter((s) => s.track === `Kept ${i}`).map((s) => s.timestamp)).toEqual([timestamp]);
});
