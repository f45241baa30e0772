import type { RequestHandler } from 'express';
import session, { MemoryStore } from 'express-session';

/** express-session as both bare-Express yardsticks use it: configured like the app's, nothing more. */
export function baselineSession(): RequestHandler {
  return session({
    name: 'baseline.sid',
    secret: 'benchmark-session-secret-0123456789abcdef',
    store: new MemoryStore(),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', maxAge: 30 * 24 * 60 * 60 * 1000 },
  });
}
