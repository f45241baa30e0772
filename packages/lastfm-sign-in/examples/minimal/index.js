// Sign in with Last.fm in a small Express app: sign in, love a track, sign out.
const express = require('express');
const session = require('express-session');
const { lastfmSignIn } = require('lastfm-sign-in/express');

/** `lastfm`: { apiKey, sharedSecret } from last.fm/api/account/create (plus apiUrl, authUrl for the sandbox). */
function createApp({ publicUrl, lastfm: credentials }) {
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

module.exports = { createApp };

// `node index.js`: real Last.fm with LASTFM_API_KEY and LASTFM_SHARED_SECRET, else the offline stand-in.
if (require.main === module) {
  (async () => {
    const port = Number(process.env.PORT ?? 3000);
    const { LASTFM_API_KEY: apiKey, LASTFM_SHARED_SECRET: sharedSecret } = process.env;
    const sandbox = apiKey ? undefined : await require('lastfm-sign-in/testing').startSandbox();
    const lastfm = sandbox ? { apiKey: sandbox.apiKey, sharedSecret: sandbox.sharedSecret, apiUrl: sandbox.apiUrl, authUrl: sandbox.authUrl } : { apiKey, sharedSecret };
    createApp({ publicUrl: `http://localhost:${port}`, lastfm }).listen(port, () => console.log(`Open http://localhost:${port}`));
  })();
}
