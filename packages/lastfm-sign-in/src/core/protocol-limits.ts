/**
 * Limits Last.fm's protocol sets, in one place for the app and for the sandbox that stands
 * in for Last.fm, so the two cannot drift apart.
 */

/** An auth token (from auth.getToken or the web callback) lives 60 minutes after it is issued. */
export const TOKEN_LIFETIME_MS = 60 * 60 * 1000;

/** Last.fm ignores scrobbles played more than 14 days ago (ignoredMessage code 3). */
export const SCROBBLE_WINDOW_SECONDS = 14 * 24 * 60 * 60;
