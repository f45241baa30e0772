import type { Request, RequestHandler } from 'express';
import type { LastfmSignIn, SignedInUser as LibraryUser } from 'lastfm-sign-in/express';

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
    // Asked a dozen times a page view: the answer is kept while the library's person (one object
    // per stored sign-in) and key stay the same, and asked afresh each time, so a sign-in, a
    // sign-out or a revoked key later in the request is seen at once.
    let last: { user: LibraryUser; answer: SignedInUser } | undefined;
    req.lastfmUser = () => {
      const user = signIn.user(req);
      const key = signIn.sessionKey(req);
      if (user === undefined || key === undefined) return undefined;
      if (last?.user !== user || last.answer.key !== key) last = { user, answer: { ...user, key } };
      return last.answer;
    };
    next();
  };
}

/** Who is signed in on this request, or undefined (nobody, or no session). */
export function signedInUser(req: Request): SignedInUser | undefined {
  return req.lastfmUser?.();
}
