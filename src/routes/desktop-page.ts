import { Router } from 'express';
import type { LastfmSignIn } from 'lastfm-sign-in/express';
import { desktopNoticePage } from '../failure-pages';

/**
 * GET /desktop: this browser's desktop tokens, and Last.fm's last answer about one of them (shown
 * once). The flow itself is the library's, under /auth/desktop.
 */
export function createDesktopPage(signIn: Pick<LastfmSignIn, 'desktopTokens' | 'desktopNotice'>): Router {
  const router = Router();
  router.get('/', (req, res) => {
    const answer = signIn.desktopNotice(req);
    const notice = answer === undefined ? undefined : desktopNoticePage(answer.code);
    const tokens = signIn.desktopTokens(req).map((entry) => ({ ...entry, createdAt: new Date(entry.createdAt).toISOString().slice(11, 19) }));
    res.render('desktop', { title: notice === undefined ? 'Sign in with a desktop token' : `Error: ${notice.title}`, tokens, notice });
  });
  return router;
}
