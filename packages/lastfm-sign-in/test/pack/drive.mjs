// Drives an example host like a browser with a cookie jar: sign in on the sandbox's own authorize
// page, love a track, sign out. Run from a directory where lastfm-sign-in is installed from its
// tarball: `node drive.mjs ./index.js` (or ./index.mjs). Prints "ok" or fails with the step.
/* global URL, URLSearchParams, fetch */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { itemKey, startSandbox } from 'lastfm-sign-in/testing';

const example = await import(pathToFileURL(process.argv[2]).href);
const sandbox = await startSandbox();
const server = createServer().listen(0, '127.0.0.1');
await once(server, 'listening');
const publicUrl = `http://127.0.0.1:${server.address().port}`;
const lastfm = { apiKey: sandbox.apiKey, sharedSecret: sandbox.sharedSecret, apiUrl: sandbox.apiUrl, authUrl: sandbox.authUrl };
server.on('request', example.createApp({ publicUrl, lastfm }));

/** Cookies per origin, as a browser keeps them. */
const jar = new Map();
async function go(url, init = {}) {
  const origin = new URL(url).origin;
  const cookies = jar.get(origin) ?? new Map();
  const headers = { ...init.headers, cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  const response = await fetch(url, { ...init, headers, redirect: 'manual' });
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const at = pair.indexOf('=');
    cookies.set(pair.slice(0, at), pair.slice(at + 1));
  }
  jar.set(origin, cookies);
  return response;
}
function check(condition, step) {
  if (!condition) throw new Error(`failed at: ${step}`);
}
const form = (fields) => ({ method: 'POST', body: new URLSearchParams(fields), headers: { origin: publicUrl } });

try {
  const login = await go(`${publicUrl}/auth/lastfm/login`);
  check(login.status === 303, 'login redirects to Last.fm');
  const authorize = await go(login.headers.get('location'));
  const request = /name="request" value="([^"]+)"/.exec(await authorize.text())?.[1];
  check(request !== undefined, 'the authorize page asks');
  const approved = await go(new URL('/api/auth/', sandbox.url).href, form({ request, user: 'sandbox-ada', decision: 'allow' }));
  check(approved.status === 303, 'approving sends the browser back');
  const callback = await go(approved.headers.get('location'));
  check(callback.status === 303 && callback.headers.get('location') === '/', 'the callback signs in');
  check((await (await go(`${publicUrl}/`)).text()).includes('Signed in as sandbox-ada'), 'the home page shows the person');

  const loved = await go(`${publicUrl}/love`, form({ artist: 'Sigur Rós', track: 'Hoppípolla' }));
  check(loved.status === 303, 'love answers with a redirect');
  check(sandbox.state.library.of('sandbox-ada').loves.has(itemKey('Sigur Rós', 'Hoppípolla')), 'the sandbox recorded the love');

  const out = await go(`${publicUrl}/auth/lastfm/logout`, form({}));
  check(out.status === 303, 'sign-out redirects');
  check((await (await go(`${publicUrl}/`)).text()).includes('Sign in with Last.fm'), 'signed out afterwards');
  console.log('ok');
} finally {
  server.close();
  server.closeAllConnections();
  await sandbox.close();
}
