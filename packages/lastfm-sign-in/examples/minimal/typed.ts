// The API under `strict`: the pack test type-checks this file against the installed package.
import express, { type ErrorRequestHandler, type Request } from 'express';
import session from 'express-session';
import { LastfmError, createLastfmClient, type LastfmSession } from 'lastfm-sign-in';
import { SignInError, lastfmSignIn, type SignInErrorCode, type SignedInUser } from 'lastfm-sign-in/express';
import { LastfmStrategy } from 'lastfm-sign-in/passport';
import { startSandbox } from 'lastfm-sign-in/testing';

export async function main(): Promise<void> {
  const sandbox = await startSandbox();
  const client = createLastfmClient({ apiKey: sandbox.apiKey, sharedSecret: sandbox.sharedSecret, apiUrl: sandbox.apiUrl, authUrl: sandbox.authUrl });
  const lastfm = lastfmSignIn({ client, publicUrl: 'http://localhost:3000', encryptionKey: 'a random key of at least 32 characters', failures: 'next', desktop: { page: '/desktop' } });

  const app = express();
  app.use(session({ secret: 'change me', resave: false, saveUninitialized: false }));
  app.use('/auth/lastfm', lastfm.router);
  app.get('/', (req: Request, res) => {
    const user: SignedInUser | undefined = lastfm.user(req);
    res.json({ name: user?.name ?? null, tokens: lastfm.desktopTokens(req).map((token) => token.status) });
  });
  app.post('/love', lastfm.requireUser, (req, res, next) => {
    lastfm.clientFor(req).love({ artist: 'Björk', track: 'Jóga' }).then(() => res.redirect(303, '/'), next);
  });
  const errors: ErrorRequestHandler = (error: unknown, _req, res, next) => {
    if (error instanceof SignInError) {
      const code: SignInErrorCode = error.code;
      res.status(error.status).send(`${error.title}: ${error.message} (${code})`);
    } else if (error instanceof LastfmError) {
      res.status(502).send(`Last.fm error ${error.code}`);
    } else {
      next(error);
    }
  };
  app.use(errors);

  const strategy = new LastfmStrategy({ client, callbackURL: '/auth/passport/callback' }, (lastfmSession: LastfmSession, done) => done(null, { name: lastfmSession.name }));
  console.log(strategy.name, lastfm.loginUrl('/private'));
  await sandbox.close();
}
