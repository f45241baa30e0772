// The same app as index.js, as an ES module.
import express from 'express';
import session from 'express-session';
import { pathToFileURL } from 'node:url';
import { lastfmSignIn } from 'lastfm-sign-in/express';
import { startSandbox } from 'lastfm-sign-in/testing';

/** `lastfm`: { apiKey, sharedSecret } from last.fm/api/account/create (plus apiUrl, authUrl for the sandbox). */
export function createApp({ publicUrl, lastfm: credentials }) {
  const app = express();
  app.use(session({ secret: process.env.SESSION_SECRET ?? 'change me', resave: false, saveUninitialized: false }));
  app.use(express.urlencoded({ extended: false }));
  const lastfm = lastfmSignIn({ ...credentials, publicUrl });
  app.use('/auth/lastfm', lastfm.router);
  app.get('/', (req, res) => {
    const name = lastfm.user(req)?.name;
    if (!name) return res.send('<a href="/auth/lastfm/login">Sign in with Last.fm</a>');
    res.send(`Signed in as ${name.replace(/[<>&"]/g, '')}
      <form method="post" action="/love"><input name="artist"><input name="track"><button>Love</button></form>
      <form method="post" action="/auth/lastfm/logout"><button>Sign out</button></form>`);
  });
  app.post('/love', lastfm.requireUser, (req, res, next) => {
    lastfm.clientFor(req).love({ artist: req.body.artist, track: req.body.track }).then(() => res.redirect(303, '/'), next);
  });
  return app;
}

// `node index.mjs`: real Last.fm with LASTFM_API_KEY and LASTFM_SHARED_SECRET, else the offline stand-in.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.env.PORT ?? 3000);
  const { LASTFM_API_KEY: apiKey, LASTFM_SHARED_SECRET: sharedSecret } = process.env;
  const sandbox = apiKey ? undefined : await startSandbox();
  const lastfm = sandbox ? { apiKey: sandbox.apiKey, sharedSecret: sandbox.sharedSecret, apiUrl: sandbox.apiUrl, authUrl: sandbox.authUrl } : { apiKey, sharedSecret };
  createApp({ publicUrl: `http://localhost:${port}`, lastfm }).listen(port, () => console.log(`Open http://localhost:${port}`));
}
