import { Router } from 'express';

/**
 * Sign-out destroys the session, so its confirmation cannot ride in one: the redirect names which
 * sign-out it was. Only these fixed words are ever shown, whatever the query says.
 */
const SIGNED_OUT: Readonly<Record<string, string>> = {
  here: 'You are signed out. This browser no longer has a session here.',
  everywhere: 'You are signed out everywhere: every browser that was signed in as you has to sign in again.',
};

export function signedOutPath(basePath: string, which: 'here' | 'everywhere'): string {
  return `${basePath}/?signed-out=${which}`;
}

export function createHomeRouter(): Router {
  const router = Router();
  router.get('/', (req, res) => {
    const which = req.query['signed-out'];
    const signedOut = typeof which === 'string' && Object.hasOwn(SIGNED_OUT, which) ? SIGNED_OUT[which] : undefined;
    res.render('home', { title: 'Welcome', signedOut });
  });
  return router;
}
