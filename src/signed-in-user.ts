import type { Request, RequestHandler } from 'express';
import type { LastfmSignIn } from 'lastfm-sign-in/express';

/** Who is signed in, as the app's services need them. `key` is the Last.fm session key: for the server's calls only. */
export interface SignedInUser {
  name: string;
  key: string;
  subscriber: boolean;
  signedInAt: number;
}

declare module 'node:http' {
  interface IncomingMessage {
    /** Set by `readSignInWith`; read it through `signedInUser(req)`. */
    lastfmUser?: () => SignedInUser | undefined;
  }
}

/**
 * The one place the app learns who is signed in: the library keeps the person in the session
 * (`req.session.lastfm`), and the app asks it through `user(req)` and `sessionKey(req)` only.
 * Mounted before everything else, so a page that fails before the session still asks safely.
 */
export function readSignInWith(signIn: Pick<LastfmSignIn, 'user' | 'sessionKey'>): RequestHandler {
  return (req, _res, next) => {
    req.lastfmUser = () => {
      const user = signIn.user(req);
      const key = signIn.sessionKey(req);
      return user === undefined || key === undefined ? undefined : { ...user, key };
    };
    next();
  };
}

/** Who is signed in on this request, or undefined (nobody, or no session). */
export function signedInUser(req: Request): SignedInUser | undefined {
  return req.lastfmUser?.();
}
