import type { RequestHandler } from 'express';
import type { AssetVersions } from '../asset-versions';
import type { Config } from '../config';
import { signedInUser } from '../signed-in-user';
import type { CsrfCheck } from './csrf';
import { noStore } from './no-store';

/** Locals every page can use, the sandbox's included: they need no session. */
export function createSiteLocals(config: Config, versions: AssetVersions): RequestHandler {
  // Made once: they depend on nothing in the request, and most page views render nothing.
  const url = (path: string) => `${config.basePath}${path}`;
  // A file under public/ with its content's hash, so browsers keep it until it changes.
  const asset = (path: string) => {
    const version = versions.versionOf(path);
    return version === undefined ? `${config.basePath}${path}` : `${config.basePath}${path}?v=${version}`;
  };
  return (_req, res, next) => {
    res.locals.sandbox = config.sandbox;
    res.locals.url = url;
    res.locals.asset = asset;
    next();
  };
}

/** Session-backed locals. Only the user's name reaches views, never the session key. */
export function createSessionLocals(csrf: CsrfCheck): RequestHandler {
  return (req, res, next) => {
    const user = signedInUser(req);
    res.locals.user = user === undefined ? undefined : { name: user.name };
    // After a failed req.session.destroy() the error page still renders, but there is no session
    // to hold a token; an empty one is simply refused if that form is ever sent.
    res.locals.csrfToken = () => {
      noStore(res);
      return (req.session as typeof req.session | undefined) === undefined ? '' : csrf.token(req, res);
    };
    next();
  };
}
