import type { Express, RequestHandler } from 'express';
import session from 'express-session';
import passport from 'passport';
import request from 'supertest';
import { LastfmStrategy } from '../src/passport';
import type { LastfmSession } from '../src';
import { startSandbox, type StartedSandbox } from '../src/testing';
import { MAJORS, cookieFrom, type ExpressFactory } from './helpers/host';

let sandbox: StartedSandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

interface AppUser {
  name: string;
}

/** A Passport app as its guides write one, with LastfmStrategy in place of passport-lastfm. */
function buildPassportApp(express: ExpressFactory): { app: Express; verified: LastfmSession[] } {
  const verified: LastfmSession[] = [];
  const authenticator = new passport.Passport();
  authenticator.use(
    new LastfmStrategy({ apiKey: sandbox.apiKey, sharedSecret: sandbox.sharedSecret, apiUrl: sandbox.apiUrl, authUrl: sandbox.authUrl, callbackURL: '/auth/lastfm/callback' }, (lastfmSession, done) => {
      verified.push(lastfmSession);
      done(null, { name: lastfmSession.name });
    }),
  );
  authenticator.serializeUser((user, done) => done(null, (user as AppUser).name));
  authenticator.deserializeUser((name: string, done) => done(null, { name }));

  const app = express();
  app.use(session({ name: 'pp.sid', secret: 'passport-test-secret', resave: false, saveUninitialized: false }));
  // @types/passport types its middleware as `any`.
  app.use(authenticator.session() as RequestHandler);
  app.get('/auth/lastfm', authenticator.authenticate('lastfm') as RequestHandler);
  app.get('/auth/lastfm/callback', authenticator.authenticate('lastfm', { failureRedirect: '/failed', failureMessage: true }) as RequestHandler, (_req, res) => res.redirect(303, '/'));
  app.get('/', (req, res) => {
    res.send((req.user as AppUser | undefined)?.name ?? 'signed out');
  });
  app.get('/failed', (req, res) => {
    res.status(400).send(((req.session as unknown as { messages?: string[] }).messages ?? []).join(' | '));
  });
  return { app, verified };
}

async function start(app: Express): Promise<{ cookie: string; state: string }> {
  const login = await request(app).get('/auth/lastfm').expect(303);
  const cb = new URL(new URL(login.headers.location as string).searchParams.get('cb') ?? '');
  expect(cb.pathname).toBe('/auth/lastfm/callback');
  return { cookie: cookieFrom(login, 'pp.sid') ?? '', state: cb.searchParams.get('state') ?? '' };
}

describe.each(MAJORS)('LastfmStrategy with passport on %s', (_major, express) => {
  test('passport signs in through LastfmStrategy: verify gets the Last.fm session, and req.logIn gives a new session id', async () => {
    const { app, verified } = buildPassportApp(express);
    const started = await start(app);
    const done = await request(app).get(`/auth/lastfm/callback?state=${started.state}&token=${sandbox.state.issueToken('sandbox-bo')}`).set('Cookie', started.cookie).expect(303);
    expect(done.headers.location).toBe('/');
    expect(verified.map((entry) => entry.name)).toEqual(['sandbox-bo']);
    expect(verified[0]?.key).toMatch(/\S/);
    const signedIn = cookieFrom(done, 'pp.sid');
    expect(signedIn).not.toBe(started.cookie);
    await request(app).get('/').set('Cookie', signedIn ?? '').expect(200, 'sandbox-bo');
  });

  test('a replayed callback fails through passport (failureRedirect) and Last.fm is not asked again', async () => {
    const { app, verified } = buildPassportApp(express);
    const started = await start(app);
    const url = `/auth/lastfm/callback?state=${started.state}&token=${sandbox.state.issueToken('sandbox-ada')}`;
    const done = await request(app).get(url).set('Cookie', started.cookie).expect(303);
    const calls = sandbox.state.calls.of('auth.getSession');
    const replay = await request(app).get(url).set('Cookie', cookieFrom(done, 'pp.sid') ?? '').expect(302);
    expect(replay.headers.location).toBe('/failed');
    expect(sandbox.state.calls.of('auth.getSession')).toBe(calls);
    expect(verified).toHaveLength(1);
  });

  test('a callback from another browser, or with no state, is refused with the reason in passport\'s failure message', async () => {
    const { app, verified } = buildPassportApp(express);
    const victim = await start(app);
    const attacker = await start(app);
    const token = sandbox.state.issueToken('sandbox-ada');
    const foreign = await request(app).get(`/auth/lastfm/callback?state=${victim.state}&token=${token}`).set('Cookie', attacker.cookie).expect(302);
    expect(foreign.headers.location).toBe('/failed');
    const page = await request(app).get('/failed').set('Cookie', cookieFrom(foreign, 'pp.sid') ?? attacker.cookie).expect(400);
    expect(page.text).toContain('started in another browser');

    const missing = await request(app).get(`/auth/lastfm/callback?token=${token}`).expect(302);
    expect(missing.headers.location).toBe('/failed');
    expect(verified).toHaveLength(0);
  });

  test('declined access on Last.fm is a passport failure', async () => {
    const { app } = buildPassportApp(express);
    const started = await start(app);
    const declined = await request(app).get(`/auth/lastfm/callback?state=${started.state}`).set('Cookie', started.cookie).expect(302);
    expect(declined.headers.location).toBe('/failed');
  });
});
