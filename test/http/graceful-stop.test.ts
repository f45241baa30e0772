import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import request from 'supertest';
import { DEMO_ACCOUNTS } from 'lastfm-sign-in/testing';
import { SQLITE_FILE } from '../../src/stores/sqlite-backend';
import { TEST_SESSION_SECRET } from '../helpers/app';
import { ServerProcess } from '../helpers/server-process';
import { StandIn, passwordSignIn, until } from '../helpers/stand-in';

/*
 * SIGTERM while a delivery is on the wire to a slow Last.fm stand-in and a request is under way:
 * the request finishes, the call's answer is recorded, no lease is left behind, the process exits
 * within 10 s, and after a restart on the same DATA_DIR every scrobble reaches the stand-in once.
 */
jest.setTimeout(60_000);

const ADA = DEMO_ACCOUNTS[0];
if (ADA === undefined) throw new Error('no demo account');
const SLOW_MS = 2500;

let standIn: StandIn;
let cwd: string;
const servers: ServerProcess[] = [];

beforeEach(async () => {
  standIn = await new StandIn().start();
  cwd = mkdtempSync(path.join(os.tmpdir(), 'graceful-stop-'));
});

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.kill();
    await server.exit(10_000);
  }
  await standIn.stop();
  rmSync(cwd, { recursive: true, force: true });
});

async function start(): Promise<ServerProcess> {
  const server = await ServerProcess.start(
    { NODE_ENV: 'test', SESSION_SECRET: TEST_SESSION_SECRET, DATA_DIR: path.join(cwd, 'data'), LASTFM_TIMEOUT_MS: '5000', OUTBOX_RETRY_MAX_MS: '300', ...standIn.env },
    cwd,
  );
  servers.push(server);
  return server;
}

const delivered = () => standIn.state.library.of(ADA.name).scrobbles.map((scrobble) => scrobble.track);

it('on SIGTERM finishes the request and the delivery under way, hands back its leases, exits within 10 s, and loses or repeats nothing', async () => {
  const first = await start();
  const person = await passwordSignIn(first.baseUrl, ADA);

  // Three scrobbles wait while Last.fm is down.
  standIn.state.outage = true;
  await person.agent.post('/track/scrobble-batch').set('Accept', 'application/json').send({ _csrf: person.csrf, lines: 'Band - One\nBand - Two\nBand - Three' }).expect(202);

  // Back, but slow: the delivery loop's next call (the only traffic) takes the planned fault and is held on the wire.
  standIn.state.faults.plan({ kind: 'slow', delayMs: SLOW_MS });
  standIn.state.outage = false;
  await until(() => standIn.state.faults.pending === 0, 10_000);
  // A request under way when the signal comes: its own try waits behind the loop's claim.
  const underWay = person.agent.post('/track/scrobble').set('Accept', 'application/json').send({ _csrf: person.csrf, artist: 'Band', track: 'Four' });
  const sent = underWay.then((res) => res);
  await new Promise((resolve) => setTimeout(resolve, 200));
  first.child.kill('SIGTERM');
  await first.waitFor(/shutting down/, 5_000);

  // No new requests once the signal came.
  await expect(request(first.baseUrl).get('/healthz').timeout(2000)).rejects.toThrow();
  const answered = await sent;
  expect({ status: answered.status, body: answered.body as unknown }).toMatchObject({ status: 202, body: { state: 'queued' } });
  expect(await first.exit(10_000)).toBe(0);
  expect(first.output).toContain('"msg":"stopped"');
  expect(first.output).not.toContain('exiting now');

  // The slow call's answer was recorded before the store closed: those three are done, once each.
  expect(delivered().sort()).toEqual(['One', 'Three', 'Two']);
  const db = new Database(path.join(cwd, 'data', SQLITE_FILE), { readonly: true });
  try {
    expect(db.prepare('SELECT user, lease, sending FROM outbox_people').all()).toEqual([{ user: ADA.name, lease: null, sending: null }]);
    const states = db.prepare('SELECT track, state FROM outbox_scrobbles ORDER BY track').all();
    expect(states).toEqual([
      { track: 'Four', state: 'queued' },
      { track: 'One', state: 'accepted' },
      { track: 'Three', state: 'accepted' },
      { track: 'Two', state: 'accepted' },
    ]);
  } finally {
    db.close();
  }

  // After a restart the one still queued goes, and nothing goes twice.
  const second = await start();
  await until(() => delivered().length >= 4, 15_000);
  const again = await passwordSignIn(second.baseUrl, ADA);
  await until(async () => ((await again.agent.get('/track/scrobbles').set('Accept', 'application/json').expect(200)).body as { waiting: number }).waiting === 0);
  expect(delivered().sort()).toEqual(['Four', 'One', 'Three', 'Two']);
  const outbox = (await again.agent.get('/track/scrobbles').set('Accept', 'application/json').expect(200)).body as { scrobbles: { track: string; state: string; sentAgain: boolean }[] };
  for (const scrobble of outbox.scrobbles) expect(scrobble).toMatchObject({ state: 'accepted', sentAgain: false });
});
